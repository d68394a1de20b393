using System.Globalization;
using Google.Protobuf;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Onnx;

/// <summary>
/// Writes a <see cref="ModelGraph"/> as an ONNX <c>ModelProto</c>: the inverse of <see cref="OnnxModel"/>.
/// Initializers and tensor attributes are stored as raw_data; metadata keys listed in
/// <see cref="OnnxModel.FieldMetadataKeys"/> go to their ModelProto fields, the rest to metadata_props.
/// </summary>
public static class OnnxWriter
{
    /// <summary>IR version written when the graph's metadata names none (IR 8 goes with opsets up to 18).</summary>
    public const long DefaultIrVersion = 8;

    public static void Save(ModelGraph graph, string path) => File.WriteAllBytes(path, ToBytes(graph));

    public static byte[] ToBytes(ModelGraph graph) => ToProto(graph).ToByteArray();

    public static ModelProto ToProto(ModelGraph graph)
    {
        var m = new ModelProto
        {
            IrVersion = graph.Metadata.TryGetValue("ir_version", out var ir) ? ParseLong(ir, "ir_version") : DefaultIrVersion,
            Graph = Graph(graph),
        };
        if (graph.Metadata.TryGetValue("producer_name", out var pn))
        {
            m.ProducerName = pn;
        }

        if (graph.Metadata.TryGetValue("producer_version", out var pv))
        {
            m.ProducerVersion = pv;
        }

        if (graph.Metadata.TryGetValue("domain", out var d))
        {
            m.Domain = d;
        }

        if (graph.Metadata.TryGetValue("model_version", out var mv))
        {
            m.ModelVersion = ParseLong(mv, "model_version");
        }

        if (graph.DocString.Length > 0)
        {
            m.DocString = graph.DocString;
        }

        m.Graph.ClearDocString();
        foreach (var (key, value) in graph.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!OnnxModel.FieldMetadataKeys.Contains(key))
            {
                m.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
            }
        }

        var opsets = graph.OpsetVersions.Count > 0 ? graph.OpsetVersions : new Dictionary<string, long> { [""] = 13 };
        foreach (var (domain, version) in opsets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            m.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return m;
    }

    public static GraphProto Graph(ModelGraph graph)
    {
        var g = new GraphProto { Name = graph.Name };
        if (graph.DocString.Length > 0)
        {
            g.DocString = graph.DocString;
        }

        foreach (var (name, t) in graph.Initializers)
        {
            g.Initializer.Add(OnnxTensor.ToProto(t, name));
        }

        g.Input.AddRange(graph.Inputs.Select(ValueInfo));
        g.Output.AddRange(graph.Outputs.Select(ValueInfo));
        g.ValueInfo.AddRange(graph.ValueInfos.Select(ValueInfo));
        foreach (var n in graph.Nodes)
        {
            var p = new NodeProto { OpType = n.OpType };
            if (n.Name.Length > 0)
            {
                p.Name = n.Name;
            }

            if (n.Domain.Length > 0)
            {
                p.Domain = n.Domain;
            }

            if (n.DocString.Length > 0)
            {
                p.DocString = n.DocString;
            }

            p.Input.AddRange(n.Inputs);
            p.Output.AddRange(n.Outputs);
            p.Attribute.AddRange(n.Attributes.Values.Select(Attribute));
            g.Node.Add(p);
        }

        return g;
    }

    public static ValueInfoProto ValueInfo(ValueInfo v)
    {
        var p = new ValueInfoProto { Name = v.Name };
        if (v.DocString.Length > 0)
        {
            p.DocString = v.DocString;
        }

        if (v.DataType == DataType.Undefined && v.Shape is null)
        {
            return p;
        }

        var tt = new TypeProto.Types.Tensor { ElemType = (int)v.DataType };
        if (v.Shape is { } dims)
        {
            tt.Shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                var dp = new TensorShapeProto.Types.Dimension();
                if (d.IsKnown)
                {
                    dp.DimValue = d.Value;
                }
                else if (d.Param is not null)
                {
                    dp.DimParam = d.Param;
                }

                tt.Shape.Dim.Add(dp);
            }
        }

        p.Type = new TypeProto { TensorType = tt };
        return p;
    }

    public static AttributeProto Attribute(AttributeValue a)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Kind)
        {
            case AttributeKind.Float:
                p.Type = AttributeProto.Types.AttributeType.Float;
                p.F = a.Float;
                break;
            case AttributeKind.Int:
                p.Type = AttributeProto.Types.AttributeType.Int;
                p.I = a.Int;
                break;
            case AttributeKind.String:
                p.Type = AttributeProto.Types.AttributeType.String;
                p.S = ByteString.CopyFromUtf8(a.String ?? "");
                break;
            case AttributeKind.Tensor:
                p.Type = AttributeProto.Types.AttributeType.Tensor;
                p.T = OnnxTensor.ToProto(a.Tensor ?? throw new ArgumentException($"attribute '{a.Name}' has no tensor"), "");
                break;
            case AttributeKind.Graph:
                p.Type = AttributeProto.Types.AttributeType.Graph;
                p.G = Graph(a.Graph ?? throw new ArgumentException($"attribute '{a.Name}' has no graph"));
                break;
            case AttributeKind.Floats:
                p.Type = AttributeProto.Types.AttributeType.Floats;
                p.Floats.AddRange(a.Floats);
                break;
            case AttributeKind.Ints:
                p.Type = AttributeProto.Types.AttributeType.Ints;
                p.Ints.AddRange(a.Ints);
                break;
            case AttributeKind.Strings:
                p.Type = AttributeProto.Types.AttributeType.Strings;
                p.Strings.AddRange(a.Strings.Select(ByteString.CopyFromUtf8));
                break;
            case AttributeKind.Tensors:
                p.Type = AttributeProto.Types.AttributeType.Tensors;
                p.Tensors.AddRange(a.Tensors.Select(t => OnnxTensor.ToProto(t, "")));
                break;
            case AttributeKind.Graphs:
                p.Type = AttributeProto.Types.AttributeType.Graphs;
                p.Graphs.AddRange(a.Graphs.Select(Graph));
                break;
            default:
                throw new ArgumentException($"attribute '{a.Name}' has unknown kind {a.Kind}");
        }

        return p;
    }

    private static long ParseLong(string s, string key) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new InvalidModelException($"metadata '{key}' is '{s}', not an integer");
}
