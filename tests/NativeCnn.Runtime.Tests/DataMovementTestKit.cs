using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Tests;

/// <summary>An input of a one-node test graph: fed at run time (<see cref="Data"/>) or an initializer (<see cref="Const"/>); null = absent.</summary>
public sealed record NodeInput(Tensor? Value, bool Constant)
{
    public static NodeInput Data(Tensor t) => new(t, false);

    public static NodeInput Const(Tensor t) => new(t, true);

    public static NodeInput Ints(params long[] v) => new(Tensor.FromArray(v, v.Length), true);

    public static readonly NodeInput Absent = new(null, false);
}

/// <summary>Builds and runs a graph of one node, for the hand-computed tests of the shape and data-movement operators.</summary>
public static class DataMovementTestKit
{
    public static Tensor[] Run(string op, long opset, AttributeValue[] attributes, int outputs, params NodeInput[] inputs)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = opset } };
        var node = new Node { OpType = op, Name = op.ToLowerInvariant() };
        var feeds = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i].Value is not { } t)
            {
                node.Inputs.Add("");
                continue;
            }

            string name = $"in{i}";
            node.Inputs.Add(name);
            if (inputs[i].Constant)
            {
                graph.Initializers[name] = t;
            }
            else
            {
                graph.Inputs.Add(new ValueInfo { Name = name, DataType = t.DataType });
                feeds.Add(new(name, t));
            }
        }

        for (int i = 0; i < outputs; i++)
        {
            node.Outputs.Add($"out{i}");
            graph.Outputs.Add(new ValueInfo { Name = $"out{i}" });
        }

        foreach (var a in attributes)
        {
            node.SetAttribute(a);
        }

        graph.Nodes.Add(node);
        using var session = new InferenceSession(graph, new() { Threads = 1 });
        if (feeds.Count == 0)
        {
            session.Prepare(new Dictionary<string, int[]>());
            session.RunInPlace();
        }
        else
        {
            session.Run(feeds);
        }

        return Enumerable.Range(0, outputs).Select(i => Tensor.CopyOf(session.Store![$"out{i}"])).ToArray();
    }

    public static Tensor Run1(string op, long opset, AttributeValue[] attributes, params NodeInput[] inputs) =>
        Run(op, opset, attributes, 1, inputs)[0];

    /// <summary>A float tensor holding 0, 1, 2, … in row-major order.</summary>
    public static Tensor Iota(params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = i;
        }

        return t;
    }

    public static AttributeValue A(string name, long v) => AttributeValue.Of(name, v);

    public static AttributeValue A(string name, params long[] v) => AttributeValue.Of(name, v);

    public static AttributeValue A(string name, string v) => AttributeValue.Of(name, v);

    public static AttributeValue A(string name, float v) => AttributeValue.Of(name, v);
}
