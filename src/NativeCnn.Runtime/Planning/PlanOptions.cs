namespace NativeCnn.Runtime.Planning;

/// <summary>How a model is compiled into an execution plan.</summary>
public sealed record PlanOptions
{
    /// <summary>
    /// Fold BatchNormalization into the preceding Conv, fuse Relu/LeakyRelu/Clip into the Conv or Add before them,
    /// write Concat inputs in place into the Concat output and make Dropout/Identity outputs views of their inputs.
    /// When on, an elided value (the pre-BN or pre-Relu conv output) is listed in the store as elided with the
    /// value that replaces it, and in-place values are views (<see cref="PlannedValue.AliasOf"/>) with the same
    /// elements; when off, every value of the model is computed and kept bit for bit, each in its own slot.
    /// </summary>
    public bool Fusion { get; init; } = true;

    /// <summary>Threads kernels may use. Results are bitwise identical for any value.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Most bytes the activation arena may take; planning fails with <see cref="ResourceLimitException"/> above it.
    /// Default: half of the memory available to the process.
    /// </summary>
    public long MaxArenaBytes { get; init; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>
    /// Run every operator with its plain scalar reference kernel (the oracle) instead of the SIMD kernels chosen
    /// for the CPU. Slow; for checking and for measuring what the fast kernels buy.
    /// </summary>
    public bool ReferenceKernels { get; init; }

    /// <summary>
    /// Let 3×3 stride-1 convolutions use Winograd kernels, which do fewer multiplications but round differently
    /// from a direct convolution (the per-layer error is bounded by a test). Off: exact-only kernels (direct or
    /// im2col + GEMM, which differ from the reference only by FMA rounding and summation blocking).
    /// Always false when <see cref="LowMemory"/> is set.
    /// </summary>
    public bool AllowWinograd
    {
        get => _allowWinograd && !LowMemory;
        init => _allowWinograd = value;
    }

    private readonly bool _allowWinograd = true;

    /// <summary>
    /// Choose the memory target over the speed one: no Winograd kernels (a Winograd F(4×4, 3×3) layer keeps its
    /// weights transformed to 6×6 tiles, 4× the layer's weights, beside the originals that fixations read, plus V and
    /// M planes), and no packed copy of the conv weights: the im2col / pointwise SGEMM, row-tile and small-plane conv
    /// kernels pack their weights at the start of each call from the original tensor into the plan's shared scratch
    /// block (ConvRowTile's Yᵀ and padded-input buffers live there too). Results are bitwise those of
    /// <c>AllowWinograd = false</c> (same packed bytes). VGG-16 at 224×224, 2 threads (AVX-512 machine, same minutes):
    /// peak RSS 922 MiB (default) and 770 MiB (low memory with a packed copy) → 663 MiB against a budget (weights +
    /// arena) of 598 MiB (1.11×), forward pass ~43 (default) and ~68 → ~70–74 ms; ResNet-18 203 → 155 MiB, ~9 → ~10–12 ms
    /// (the per-call pack of its large layer4 weights). A BatchNormalization-folded weight is kept as a plan constant
    /// (the kernel reads it each call). Each fold is followed by a collection, so the garbage of a fold does not linger.
    /// </summary>
    public bool LowMemory { get; init; }

    /// <summary>
    /// With <see cref="AllowWinograd"/>: use Winograd on every 3×3 stride-1 conv it supports, not only where it measured
    /// faster. For accuracy studies (how Winograd rounding moves results and fixations); not a speed setting.
    /// </summary>
    public bool WinogradEverywhere { get; init; }

    /// <summary>Record per-step wall time on every run (cheap: two timestamps per step).</summary>
    public bool Profile { get; init; } = true;
}
