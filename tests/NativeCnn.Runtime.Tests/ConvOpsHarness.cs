using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary>Builds a one-node graph for the conv/pool/dense op tests, runs it through a session and returns what it computed.</summary>
internal static class ConvOpsHarness
{
    public sealed record Result(Dictionary<string, double[]> Values, Dictionary<string, int[]> Shapes, ExecutionPlan Plan)
    {
        public double[] this[string name] => Values[name];
    }

    /// <summary>
    /// Runs <paramref name="opType"/> on the given inputs (names "in0", "in1"…; null = absent optional input);
    /// inputs listed in <paramref name="constants"/> become initializers. Outputs are named "out0", "out1"…; every value
    /// in the store (auxiliary ones included) is returned.
    /// </summary>
    public static Result Run(string opType, Tensor?[] inputs, AttributeValue[] attributes, int outputs = 1, long opset = 22,
        int threads = 1, int[]? constants = null, bool fusion = false)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = opset } };
        var node = new Node { OpType = opType, Name = "n" };
        foreach (var a in attributes)
        {
            node.SetAttribute(a);
        }

        var feeds = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t)
            {
                node.Inputs.Add("");
                continue;
            }

            string name = $"in{i}";
            node.Inputs.Add(name);
            if (constants?.Contains(i) == true)
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

        graph.Nodes.Add(node);
        using var session = new InferenceSession(graph, new PlanOptions { Threads = threads, Fusion = fusion, Profile = false });
        var store = session.Run(feeds);
        var values = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var name in store.Names)
        {
            if (store.TryGet(name, out var v))
            {
                values[name] = v.ToDoubleArray();
                shapes[name] = v.Shape;
            }
        }

        return new Result(values, shapes, session.Plan!);
    }

    public static Tensor F(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    public static AttributeValue A(string name, params long[] v) => AttributeValue.Of(name, v);

    public static AttributeValue I(string name, long v) => AttributeValue.Of(name, v);

    public static Tensor Random(Random rng, params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return t;
    }

    public static void AssertClose(double[] expected, double[] actual, double atol, double rtol, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} elements, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = atol + (rtol * Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"{what}: element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}
