namespace NativeCnn.Fixations;

public enum StartKind
{
    /// <summary>The largest element of the value (batch 0): the top-1 class.</summary>
    TopClass,

    /// <summary>The k largest elements of the value (batch 0), one result each, best first.</summary>
    TopK,

    /// <summary>A given class: element <see cref="StartPoint.Index"/> of batch 0 of the value.</summary>
    Class,

    /// <summary>Any neuron: flat index <see cref="StartPoint.Index"/> into the named value (all batches).</summary>
    Neuron,
}

/// <summary>
/// Where a backtrack starts. <see cref="Value"/> is the value the start lies in; null means the model's first
/// graph output (for classifiers, the class scores or probabilities: Softmax passes points through, so either
/// gives the same fixations).
/// </summary>
public sealed record StartPoint(StartKind Kind, string? Value, long Index)
{
    /// <summary>The top-1 class of the graph output (the default start).</summary>
    public static StartPoint TopClass(string? value = null) => new(StartKind.TopClass, value, 0);

    /// <summary>The top <paramref name="k"/> classes; the backtracker returns one result per class.</summary>
    public static StartPoint TopK(int k, string? value = null) =>
        k > 0 ? new(StartKind.TopK, value, k) : throw new ArgumentOutOfRangeException(nameof(k), "k must be positive");

    /// <summary>Class <paramref name="classIndex"/> of batch 0 of the graph output (or of <paramref name="value"/>).</summary>
    public static StartPoint Class(long classIndex, string? value = null) => new(StartKind.Class, value, classIndex);

    /// <summary>Element <paramref name="flatIndex"/> (row-major over the whole value) of the value named <paramref name="value"/>.</summary>
    public static StartPoint Neuron(string value, long flatIndex) => new(StartKind.Neuron, value, flatIndex);
}

/// <summary>
/// A start resolved against a forward pass: one element of one value. When <see cref="Value"/> was elided by a fusion
/// (a pre-Relu conv output), <see cref="StoredValue"/> is the stored value that replaces it, where the walk starts at
/// the same index (fusions elide only values followed by element-wise pass-through ops), and <see cref="Score"/> is
/// that stored element.
/// </summary>
public sealed record ResolvedStart(string Value, long FlatIndex, float Score, int Rank)
{
    /// <summary>The stored value the backtrack starts from (<see cref="Value"/> unless that was elided).</summary>
    public string StoredValue { get; init; } = Value;
}
