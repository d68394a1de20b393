using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Onnx.Tests;

/// <summary>Structural equality of two graphs, down to tensor bytes, with a path to the first difference.</summary>
public static class GraphAssert
{
    public static void Equal(ModelGraph expected, ModelGraph actual) => Graph(expected, actual, "graph");

    private static void Graph(ModelGraph e, ModelGraph a, string at)
    {
        Same(e.Name, a.Name, at + ".Name");
        Same(e.DocString, a.DocString, at + ".DocString");
        Same(Dict(e.OpsetVersions), Dict(a.OpsetVersions), at + ".OpsetVersions");
        Same(Dict(e.Metadata), Dict(a.Metadata), at + ".Metadata");
        ValueInfos(e.Inputs, a.Inputs, at + ".Inputs");
        ValueInfos(e.Outputs, a.Outputs, at + ".Outputs");
        ValueInfos(e.ValueInfos, a.ValueInfos, at + ".ValueInfos");
        Same(string.Join(",", e.Initializers.Keys), string.Join(",", a.Initializers.Keys), at + ".Initializers");
        foreach (var (name, t) in e.Initializers)
        {
            Tensor(t, a.Initializers[name], $"{at}.Initializers[{name}]");
        }

        Same(e.Nodes.Count, a.Nodes.Count, at + ".Nodes.Count");
        for (int i = 0; i < e.Nodes.Count; i++)
        {
            var (en, an) = (e.Nodes[i], a.Nodes[i]);
            string p = $"{at}.Nodes[{i}]";
            Same(en.Name, an.Name, p + ".Name");
            Same(en.OpType, an.OpType, p + ".OpType");
            Same(en.Domain, an.Domain, p + ".Domain");
            Same(en.DocString, an.DocString, p + ".DocString");
            Same(string.Join("|", en.Inputs), string.Join("|", an.Inputs), p + ".Inputs");
            Same(string.Join("|", en.Outputs), string.Join("|", an.Outputs), p + ".Outputs");
            Same(string.Join(",", en.Attributes.Keys), string.Join(",", an.Attributes.Keys), p + ".Attributes");
            foreach (var (name, ea) in en.Attributes)
            {
                Attribute(ea, an.Attributes[name], $"{p}.{name}");
            }
        }
    }

    private static void Attribute(AttributeValue e, AttributeValue a, string at)
    {
        Same(e.Kind, a.Kind, at + ".Kind");
        switch (e.Kind)
        {
            case AttributeKind.Float:
                Same(BitConverter.SingleToInt32Bits(e.Float), BitConverter.SingleToInt32Bits(a.Float), at);
                break;
            case AttributeKind.Int:
                Same(e.Int, a.Int, at);
                break;
            case AttributeKind.String:
                Same(e.String, a.String, at);
                break;
            case AttributeKind.Floats:
                Same(string.Join(",", e.Floats.Select(BitConverter.SingleToInt32Bits)), string.Join(",", a.Floats.Select(BitConverter.SingleToInt32Bits)), at);
                break;
            case AttributeKind.Ints:
                Same(string.Join(",", e.Ints), string.Join(",", a.Ints), at);
                break;
            case AttributeKind.Strings:
                Same(string.Join("\u0001", e.Strings), string.Join("\u0001", a.Strings), at);
                break;
            case AttributeKind.Tensor:
                Tensor(e.Tensor!, a.Tensor!, at);
                break;
            case AttributeKind.Tensors:
                Same(e.Tensors.Length, a.Tensors.Length, at + ".Length");
                for (int i = 0; i < e.Tensors.Length; i++)
                {
                    Tensor(e.Tensors[i], a.Tensors[i], $"{at}[{i}]");
                }

                break;
            case AttributeKind.Graph:
                Graph(e.Graph!, a.Graph!, at);
                break;
            case AttributeKind.Graphs:
                Same(e.Graphs.Length, a.Graphs.Length, at + ".Length");
                for (int i = 0; i < e.Graphs.Length; i++)
                {
                    Graph(e.Graphs[i], a.Graphs[i], $"{at}[{i}]");
                }

                break;
        }
    }

    public static void Tensor(Tensor e, Tensor a, string at)
    {
        Same(e.DataType, a.DataType, at + ".DataType");
        Same(ShapeUtil.Format(e.Shape), ShapeUtil.Format(a.Shape), at + ".Shape");
        Assert.True(e.AsBytes().SequenceEqual(a.AsBytes()), $"{at}: element bytes differ");
    }

    private static void ValueInfos(List<ValueInfo> e, List<ValueInfo> a, string at)
    {
        Same(string.Join(" ; ", e.Select(Describe)), string.Join(" ; ", a.Select(Describe)), at);
    }

    private static string Describe(ValueInfo v) =>
        $"{v.Name}:{v.DataType}:{(v.Shape is null ? "noshape" : string.Join(",", v.Shape.Select(d => d.IsKnown ? d.Value.ToString() : "?" + d.Param)))}:{v.DocString}";

    private static string Dict<T>(Dictionary<string, T> d) => string.Join(";", d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));

    private static void Same<T>(T e, T a, string at) => Assert.True(EqualityComparer<T>.Default.Equals(e, a), $"{at}: expected '{e}', actual '{a}'");
}
