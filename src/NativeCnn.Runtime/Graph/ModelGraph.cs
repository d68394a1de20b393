namespace NativeCnn.Runtime.Graph;

/// <summary>
/// The framework-neutral model: nodes over named values, constants (initializers), declared inputs and outputs,
/// the operator-set versions the nodes follow, and the model's metadata. Importers build it; planning reads it.
/// </summary>
public sealed class ModelGraph
{
    public string Name { get; set; } = "";

    public List<Node> Nodes { get; init; } = [];

    /// <summary>Graph inputs that are fed at run time (inputs that have an initializer are constants and are not listed).</summary>
    public List<ValueInfo> Inputs { get; init; } = [];

    public List<ValueInfo> Outputs { get; init; } = [];

    /// <summary>Declared types of intermediate values, if the model carries them.</summary>
    public List<ValueInfo> ValueInfos { get; init; } = [];

    public Dictionary<string, Tensor> Initializers { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Operator-set version per domain ("" is the default operator set).</summary>
    public Dictionary<string, long> OpsetVersions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Key/value metadata of the model (e.g. ONNX metadata_props plus producer fields).</summary>
    public Dictionary<string, string> Metadata { get; init; } = new(StringComparer.Ordinal);

    public string DocString { get; set; } = "";

    /// <summary>The version of the default operator set (ai.onnx), or <paramref name="fallback"/> if none is declared.</summary>
    public long DefaultOpset(long fallback = 13) =>
        OpsetVersions.TryGetValue("", out var v) ? v : OpsetVersions.TryGetValue("ai.onnx", out v) ? v : fallback;

    /// <summary>Total number of elements in the constants.</summary>
    public long ParameterCount => Initializers.Values.Sum(t => t.Length);
}
