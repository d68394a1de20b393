namespace NativeCnn.Runtime.Planning;

/// <summary>How a model is compiled into an execution plan.</summary>
public sealed record PlanOptions
{
    /// <summary>
    /// Fold BatchNormalization into the preceding Conv (and other fusions). When on, an elided value (the
    /// pre-BN conv output) is listed in the store as elided with the value that replaces it; when off, every
    /// value of the model is computed and kept bit for bit as the model defines it.
    /// </summary>
    public bool Fusion { get; init; } = true;

    /// <summary>Threads kernels may use. Results are bitwise identical for any value.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Most bytes the activation arena may take; planning fails with <see cref="ResourceLimitException"/> above it.
    /// Default: half of the memory available to the process.
    /// </summary>
    public long MaxArenaBytes { get; init; } = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2;

    /// <summary>Record per-step wall time on every run (cheap: two timestamps per step).</summary>
    public bool Profile { get; init; } = true;
}
