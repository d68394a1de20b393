namespace NativeCnn.Runtime.Graph;

/// <summary>
/// One operation of the graph. Inputs and outputs are value names; an empty name is an absent optional
/// input or output. <see cref="OpType"/> and <see cref="Domain"/> use the standard operator vocabulary
/// (the ONNX operator names, domain "" for the default set).
/// </summary>
public sealed class Node
{
    public string Name { get; set; } = "";

    public required string OpType { get; set; }

    public string Domain { get; set; } = "";

    public List<string> Inputs { get; init; } = [];

    public List<string> Outputs { get; init; } = [];

    public Dictionary<string, AttributeValue> Attributes { get; init; } = new(StringComparer.Ordinal);

    public string DocString { get; set; } = "";

    /// <summary>Name for messages: the node name if it has one, else its first output.</summary>
    public string DisplayName => Name.Length > 0 ? Name : Outputs.Count > 0 ? $"(output {Outputs[0]})" : "(unnamed)";

    public bool HasInput(int i) => i < Inputs.Count && Inputs[i].Length > 0;

    public bool HasOutput(int i) => i < Outputs.Count && Outputs[i].Length > 0;

    public AttributeValue? Attribute(string name) => Attributes.GetValueOrDefault(name);

    public long GetInt(string name, long defaultValue) => Get(name, AttributeKind.Int)?.Int ?? defaultValue;

    public float GetFloat(string name, float defaultValue) => Get(name, AttributeKind.Float)?.Float ?? defaultValue;

    public string GetString(string name, string defaultValue) => Get(name, AttributeKind.String)?.String ?? defaultValue;

    public long[]? GetInts(string name) => Get(name, AttributeKind.Ints)?.Ints;

    public float[]? GetFloats(string name) => Get(name, AttributeKind.Floats)?.Floats;

    public string[]? GetStrings(string name) => Get(name, AttributeKind.Strings)?.Strings;

    public Tensor? GetTensor(string name) => Get(name, AttributeKind.Tensor)?.Tensor;

    public void SetAttribute(AttributeValue a) => Attributes[a.Name] = a;

    public override string ToString() => $"{OpType} '{DisplayName}'";

    private AttributeValue? Get(string name, AttributeKind kind)
    {
        if (!Attributes.TryGetValue(name, out var a))
        {
            return null;
        }

        // An INTS attribute with one element where an INT is expected is a model error, not a silent guess.
        if (a.Kind != kind)
        {
            throw new InvalidModelException($"node {this}: attribute '{name}' is {a.Kind}, expected {kind}");
        }

        return a;
    }
}
