using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations.Tests;

/// <summary>Builds small CNN graphs in code with seeded random weights, and runs them.</summary>
public sealed class Net
{
    private readonly Random _rng;
    private int _n;

    public Net(int seed, string input = "input", params int[] inputShape)
    {
        _rng = new Random(seed);
        InputShape = inputShape;
        Graph.Inputs.Add(new ValueInfo { Name = input, DataType = DataType.Float32 });
        Graph.OpsetVersions[""] = 17;
        Input = input;
    }

    public ModelGraph Graph { get; } = new() { Name = "test" };

    public string Input { get; }

    public int[] InputShape { get; }

    private readonly Dictionary<string, int[]> _shapes = [];

    public string Fresh(string p) => $"{p}{_n++}";

    public Tensor Random(int[] shape, float scale, float shift = 0)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)(((_rng.NextDouble() * 2) - 1) * scale) + shift;
        }

        return t;
    }

    public string Const(Tensor t, string prefix = "w")
    {
        string n = Fresh(prefix);
        Graph.Initializers[n] = t;
        return n;
    }

    public string Node(string op, string[] inputs, params AttributeValue[] attrs)
    {
        string o = Fresh(op.ToLowerInvariant() + "_");
        var node = new Node { OpType = op, Name = "n_" + o, Inputs = [.. inputs], Outputs = [o] };
        foreach (var a in attrs)
        {
            node.SetAttribute(a);
        }

        Graph.Nodes.Add(node);
        return o;
    }

    public string Conv(string x, int cin, int cout, int k, int stride = 1, int pad = -1, int dilation = 1, int group = 1, string? autoPad = null, bool bias = true, Tensor? weight = null)
    {
        pad = pad < 0 ? (k - 1) / 2 * dilation : pad;
        var w = weight ?? Random([cout, cin / group, k, k], MathF.Sqrt(3f / (cin / group * k * k)));
        var inputs = new List<string> { x, Const(w) };
        if (bias)
        {
            inputs.Add(Const(Random([cout], 0.1f), "b"));
        }

        var attrs = new List<AttributeValue>
        {
            AttributeValue.Of("strides", new long[] { stride, stride }),
            AttributeValue.Of("dilations", new long[] { dilation, dilation }),
            AttributeValue.Of("group", (long)group),
        };
        if (autoPad is null)
        {
            attrs.Add(AttributeValue.Of("pads", new long[] { pad, pad, pad, pad }));
        }
        else
        {
            attrs.Add(AttributeValue.Of("auto_pad", autoPad));
        }

        return Node("Conv", [.. inputs], [.. attrs]);
    }

    public string Relu(string x) => Node("Relu", [x]);

    public string BatchNorm(string x, int c) =>
        Node("BatchNormalization", [x, Const(Random([c], 0.5f, 1f)), Const(Random([c], 0.2f)), Const(Random([c], 0.2f)), Const(Random([c], 0.3f, 1f))],
            AttributeValue.Of("epsilon", 1e-5f));

    public string MaxPool(string x, int k, int stride, int pad = 0, bool ceil = false) =>
        Node("MaxPool", [x], AttributeValue.Of("kernel_shape", new long[] { k, k }), AttributeValue.Of("strides", new long[] { stride, stride }),
            AttributeValue.Of("pads", new long[] { pad, pad, pad, pad }), AttributeValue.Of("ceil_mode", ceil ? 1L : 0L));

    public string AvgPool(string x, int k, int stride, int pad = 0) =>
        Node("AveragePool", [x], AttributeValue.Of("kernel_shape", new long[] { k, k }), AttributeValue.Of("strides", new long[] { stride, stride }),
            AttributeValue.Of("pads", new long[] { pad, pad, pad, pad }));

    public string Lrn(string x) => Node("LRN", [x], AttributeValue.Of("size", 5L), AttributeValue.Of("alpha", 1e-4f), AttributeValue.Of("beta", 0.75f), AttributeValue.Of("bias", 2f));

    public string Gap(string x) => Node("GlobalAveragePool", [x]);

    public string Gmp(string x) => Node("GlobalMaxPool", [x]);

    public string Flatten(string x) => Node("Flatten", [x], AttributeValue.Of("axis", 1L));

    public string Gemm(string x, int k, int n, Tensor? weight = null) =>
        Node("Gemm", [x, Const(weight ?? Random([n, k], MathF.Sqrt(3f / k))), Const(Random([n], 0.1f), "b")], AttributeValue.Of("transB", 1L));

    public string Concat(params string[] xs) => Node("Concat", xs, AttributeValue.Of("axis", 1L));

    public string Add(string a, string b) => Node("Add", [a, b]);

    public string Softmax(string x) => Node("Softmax", [x], AttributeValue.Of("axis", 1L));

    public string Output(string x)
    {
        Graph.Outputs.Add(new ValueInfo { Name = x });
        return x;
    }

    /// <summary>Runs the graph on a seeded random input (non-negative, like a normalised image shifted up).</summary>
    public (InferenceSession Session, ActivationStore Store) Run(int seed = 7, bool fusion = true, int threads = 1, Tensor? input = null)
    {
        var session = new InferenceSession(Graph, new PlanOptions { Fusion = fusion, Threads = threads });
        var x = input ?? RandomInput(seed);
        return (session, session.Run(x));
    }

    public Tensor RandomInput(int seed)
    {
        var r = new Random(seed);
        var t = Tensor.Create(DataType.Float32, InputShape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)((r.NextDouble() * 2) - 0.8);
        }

        return t;
    }
}
