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
    /// </summary>
    public bool AllowWinograd { get; init; } = true;

    /// <summary>
    /// With <see cref="AllowWinograd"/>: use Winograd on every 3×3 stride-1 conv it supports, not only where it measured
    /// faster. For accuracy studies (how Winograd rounding moves results and fixations); not a speed setting.
    /// </summary>
    public bool WinogradEverywhere { get; init; }

    /// <summary>Record per-step wall time on every run (cheap: two timestamps per step).</summary>
    public bool Profile { get; init; } = true;
}
