using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Onnx;

/// <summary>
/// Builds small models in code (tests, benchmarks, tools):
/// <code>
/// var bytes = new OnnxModelBuilder("tiny").Opset(13)
///     .AddInput("x", DataType.Float32, 1, 3, 8, 8)
///     .AddInitializer("w", weights)
///     .AddNode("Conv", ["x", "w"], ["y"], AttributeValue.Of("pads", [1L, 1, 1, 1]))
///     .AddOutput("y", DataType.Float32, 1, 4, 8, 8)
///     .ToBytes();
/// </code>
/// A negative dimension declares an unknown (symbolic) one.
/// </summary>
public sealed class OnnxModelBuilder
{
    private readonly ModelGraph _graph;
    private int _nodeCounter;

    public OnnxModelBuilder(string name = "model")
    {
        _graph = new ModelGraph { Name = name };
        _graph.Metadata["ir_version"] = OnnxWriter.DefaultIrVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _graph.Metadata["producer_name"] = "NativeCnn.OnnxModelBuilder";
    }

    /// <summary>Declares the operator-set version of <paramref name="domain"/> ("" = ai.onnx; 13 if never called).</summary>
    public OnnxModelBuilder Opset(long version, string domain = "")
    {
        _graph.OpsetVersions[domain] = version;
        return this;
    }

    public OnnxModelBuilder AddInput(string name, DataType dataType, params long[] dims) => AddInput(name, dataType, ToDims(dims));

    public OnnxModelBuilder AddInput(string name, DataType dataType, Dim[]? shape)
    {
        _graph.Inputs.Add(new ValueInfo { Name = name, DataType = dataType, Shape = shape });
        return this;
    }

    /// <summary>Declares a graph output without type or shape.</summary>
    public OnnxModelBuilder AddOutput(string name)
    {
        _graph.Outputs.Add(new ValueInfo { Name = name });
        return this;
    }

    public OnnxModelBuilder AddOutput(string name, DataType dataType, params long[] dims) => AddOutput(name, dataType, ToDims(dims));

    public OnnxModelBuilder AddOutput(string name, DataType dataType, Dim[]? shape)
    {
        _graph.Outputs.Add(new ValueInfo { Name = name, DataType = dataType, Shape = shape });
        return this;
    }

    /// <summary>Declares the type of an intermediate value (value_info).</summary>
    public OnnxModelBuilder AddValueInfo(string name, DataType dataType, params long[] dims)
    {
        _graph.ValueInfos.Add(new ValueInfo { Name = name, DataType = dataType, Shape = ToDims(dims) });
        return this;
    }

    public OnnxModelBuilder AddInitializer(string name, Tensor value)
    {
        if (!_graph.Initializers.TryAdd(name, value))
        {
            throw new ArgumentException($"initializer '{name}' is already defined");
        }

        return this;
    }

    /// <summary>Adds a node of the default domain named <c>{opType}_{n}</c>.</summary>
    public OnnxModelBuilder AddNode(string opType, string[] inputs, string[] outputs, params AttributeValue[] attributes) =>
        AddNode(opType, inputs, outputs, $"{opType}_{_nodeCounter}", "", attributes);

    public OnnxModelBuilder AddNode(string opType, string[] inputs, string[] outputs, string name, string domain, params AttributeValue[] attributes)
    {
        _nodeCounter++;
        var node = new Node { OpType = opType, Name = name, Domain = domain, Inputs = [.. inputs], Outputs = [.. outputs] };
        foreach (var a in attributes)
        {
            if (!node.Attributes.TryAdd(a.Name, a))
            {
                throw new ArgumentException($"attribute '{a.Name}' given twice for node '{name}'");
            }
        }

        _graph.Nodes.Add(node);
        return this;
    }

    public OnnxModelBuilder Metadata(string key, string value)
    {
        _graph.Metadata[key] = value;
        return this;
    }

    public OnnxModelBuilder DocString(string text)
    {
        _graph.DocString = text;
        return this;
    }

    /// <summary>The graph as built (opset 13 if none was declared). The builder keeps ownership; build a new one to change it.</summary>
    public ModelGraph ToGraph()
    {
        if (_graph.OpsetVersions.Count == 0)
        {
            _graph.OpsetVersions[""] = 13;
        }

        return _graph;
    }

    public byte[] ToBytes() => OnnxWriter.ToBytes(ToGraph());

    public void Save(string path) => OnnxWriter.Save(ToGraph(), path);

    private static Dim[] ToDims(long[] dims) => dims.Select(d => d >= 0 ? Dim.Known(d) : Dim.Symbolic(null)).ToArray();
}
