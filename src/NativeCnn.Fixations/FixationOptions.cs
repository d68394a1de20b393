namespace NativeCnn.Fixations;

/// <summary>Where a Conv rule puts the fixation inside the receptive field of the chosen input channel.</summary>
public enum ConvLocation
{
    /// <summary>
    /// The receptive field's centre <c>y·s − p + ⌊(k−1)/2⌋·d</c> (clamped to the input), the reference code's
    /// behaviour for stride-1 'same' convs (it uses <c>y·s</c>, which is the window's corner when <c>p ≠ (k−1)/2</c>).
    /// </summary>
    Anchor,

    /// <summary>The argmax of <c>A[ch] ⊙ W[co,ch]</c> inside the window (the paper's Algorithm 2).</summary>
    ArgmaxInWindow,
}

/// <summary>How a Gemm/MatMul fed by a flattened C×H×W value (H·W &gt; 1) picks its inputs.</summary>
public enum FcAfterFlatten
{
    /// <summary>For each kept output <c>j</c>, only <c>argmax_i a_i·W[j,i]</c> (the reference code).</summary>
    Argmax,

    /// <summary>Every <c>i</c> with <c>a_i·W[j,i] &gt; 0</c> (the paper's Algorithm 1).</summary>
    AllPositive,
}

/// <summary>How AveragePool, GlobalAveragePool and ReduceMean pick input positions.</summary>
public enum AveragePoolRule
{
    /// <summary>
    /// <see cref="Argmax"/>, except at a pool that turns a class map into the class scores (no weighted layer —
    /// Conv, Gemm, MatMul, LSTM… — lies between the pool and a graph output, as in SqueezeNet's conv10 → global
    /// average pool, or any 1×1-conv classifier): there <see cref="AboveMean"/>. The reference code never met
    /// such a network (every net it handles has a fully connected layer after the pool, where both rules agree with
    /// it); with argmax, the whole explanation of a class-map network would collapse to one point.
    /// </summary>
    Auto,

    /// <summary>The argmax position of that channel inside the window (the reference code treats average pooling as max pooling).</summary>
    Argmax,

    /// <summary>Every position of the window with a positive activation.</summary>
    AllPositive,

    /// <summary>
    /// Every position whose activation exceeds the pooled value itself (the window's mean, if positive): the
    /// positions that pull the average up. Parameter-free, and on a class map it keeps the object's response
    /// rather than the whole weakly positive background.
    /// </summary>
    AboveMean,
}

/// <summary>
/// Choices where the paper, the authors' code and other implementations differ. The defaults reproduce the
/// reference code (the authors' published implementation).
/// </summary>
public sealed record FixationOptions
{
    /// <summary>The reference behaviour.</summary>
    public static FixationOptions Default { get; } = new();

    /// <summary>Conv location rule. Default: <see cref="ConvLocation.Anchor"/>.</summary>
    public ConvLocation ConvLocation { get; init; } = ConvLocation.Anchor;

    /// <summary>Dense layer after a flattened spatial value. Default: <see cref="FcAfterFlatten.Argmax"/>.</summary>
    public FcAfterFlatten FcAfterFlatten { get; init; } = FcAfterFlatten.Argmax;

    /// <summary>Average pooling rule. Default: <see cref="AveragePoolRule.Auto"/> (argmax as the reference code; above the mean at a class-map pool).</summary>
    public AveragePoolRule AveragePool { get; init; } = AveragePoolRule.Auto;

    /// <summary>Record per-step wall time (two timestamps per step). Default: on.</summary>
    public bool Profile { get; init; } = true;

    /// <summary>
    /// Threads a rule may use for independent output fixations (dense layers). Results are identical for any count:
    /// each output fixation is processed by one thread and the union of their inputs is a set.
    /// </summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
}
