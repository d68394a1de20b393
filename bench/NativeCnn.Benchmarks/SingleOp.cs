using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Benchmarks;

/// <summary>
/// A one-node model built with <see cref="OnnxModelBuilder"/> and compiled by the real planner, so a benchmark
/// times whatever kernel the plan chooses for that node on this CPU. Inputs and weights are seeded random values;
/// <see cref="Run"/> is <see cref="InferenceSession.RunInPlace"/> (no copies, no allocation).
/// </summary>
public sealed class SingleOp : IDisposable
{
    private readonly InferenceSession _session;

    private SingleOp(ModelGraph graph, Dictionary<string, int[]> shapes, int threads, int seed)
    {
        _session = new InferenceSession(graph, new PlanOptions { Threads = threads, Profile = false });
        var plan = _session.Prepare(shapes);
        var rng = new Random(seed);
        foreach (var name in plan.InputNames)
        {
            foreach (ref var v in _session.Store![name].Span<float>())
            {
                v = rng.NextSingle() * 2 - 1;
            }
        }

        Step = plan.Steps.Single();
    }

    /// <summary>The planned step (its kernel type names what is being measured).</summary>
    public PlanStep Step { get; }

    public long Macs => Step.Macs;

    public void Run() => _session.RunInPlace();

    public void Dispose() => _session.Dispose();

    /// <summary>Conv on [1, cin, h, w] with a k×k kernel, 'same'-style padding (k−1)/2, optional groups, with bias.</summary>
    public static SingleOp Conv(int cin, int cout, int h, int w, int k, int stride = 1, int groups = 1, int threads = 1)
    {
        int pad = (k - 1) / 2;
        var b = new OnnxModelBuilder("conv").Opset(13)
            .AddInput("x", DataType.Float32, 1, cin, h, w)
            .AddInitializer("w", Random([cout, cin / groups, k, k], 1, MathF.Sqrt(6f / (cin / groups * k * k))))
            .AddInitializer("b", Random([cout], 2, 0.01f))
            .AddNode("Conv", ["x", "w", "b"], ["y"],
                AttributeValue.Of("kernel_shape", [k, (long)k]),
                AttributeValue.Of("strides", [stride, (long)stride]),
                AttributeValue.Of("pads", [pad, pad, pad, (long)pad]),
                AttributeValue.Of("group", (long)groups))
            .AddOutput("y");
        return new SingleOp(b.ToGraph(), new() { ["x"] = [1, cin, h, w] }, threads, 3);
    }

    /// <summary>Gemm y = x·Wᵀ + b, x [batch, inF], W [outF, inF] (a fully connected layer as exporters write it).</summary>
    public static SingleOp Gemm(int batch, int inF, int outF, int threads = 1)
    {
        var b = new OnnxModelBuilder("gemm").Opset(13)
            .AddInput("x", DataType.Float32, batch, inF)
            .AddInitializer("w", Random([outF, inF], 1, MathF.Sqrt(6f / inF)))
            .AddInitializer("b", Random([outF], 2, 0.01f))
            .AddNode("Gemm", ["x", "w", "b"], ["y"], AttributeValue.Of("transB", 1L))
            .AddOutput("y");
        return new SingleOp(b.ToGraph(), new() { ["x"] = [batch, inF] }, threads, 3);
    }

    /// <summary>A pooling node (MaxPool, AveragePool with k/stride/pad; GlobalAveragePool ignores them) on [1, c, h, w].</summary>
    public static SingleOp Pool(string op, int c, int h, int w, int k, int stride, int pad, int threads = 1)
    {
        var attrs = op.StartsWith("Global", StringComparison.Ordinal) ? [] : new[]
        {
            AttributeValue.Of("kernel_shape", [k, (long)k]),
            AttributeValue.Of("strides", [stride, (long)stride]),
            AttributeValue.Of("pads", [pad, pad, pad, (long)pad]),
        };
        var b = new OnnxModelBuilder("pool").Opset(13)
            .AddInput("x", DataType.Float32, 1, c, h, w)
            .AddNode(op, ["x"], ["y"], attrs)
            .AddOutput("y");
        return new SingleOp(b.ToGraph(), new() { ["x"] = [1, c, h, w] }, threads, 3);
    }

    private static Tensor Random(int[] shape, int seed, float bound)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var rng = new Random(seed);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = (rng.NextSingle() * 2 - 1) * bound;
        }

        return t;
    }
}
