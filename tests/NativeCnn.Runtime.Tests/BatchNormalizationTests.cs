using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class BatchNormalizationTests
{
    /// <summary>
    /// The vector kernel is bitwise the reference kernel (<see cref="Planning.PlanOptions.ReferenceKernels"/>): plane
    /// sizes that hit every vector tail, special values in X (NaN, ±∞, ±0, denormals), on 1, 2 and 3 threads.
    /// </summary>
    [Theory]
    [Trait("Category", "Kernels")]
    [InlineData(1, 1, 1)]
    [InlineData(1, 3, 15)]
    [InlineData(2, 5, 17)]
    [InlineData(1, 17, 49)]
    [InlineData(2, 64, 28 * 28)]
    [InlineData(1, 7, 300)]
    public void VectorKernelIsBitwiseTheReference(int n, int c, int spatial)
    {
        var rng = new Random((c * 131) + spatial);
        var x = Random(rng, n, c, spatial);
        var xs = x.AsSpan<float>();
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-40f, -3e-39f];
        for (int i = 0; i < special.Length && i * 7 < xs.Length; i++)
        {
            xs[i * 7] = special[i];
        }

        var scale = Random(rng, c);
        var bias = Random(rng, c);
        var mean = Random(rng, c);
        var variance = Random(rng, c);
        foreach (ref var v in variance.AsSpan<float>())
        {
            v = Math.Abs(v) + 0.01f;
        }

        Tensor?[] inputs = [x, scale, bias, mean, variance];
        var attrs = new[] { AttributeValue.Of("epsilon", 1e-3f) };
        var expected = RunKernels(inputs, attrs, reference: true, threads: 1);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var actual = RunKernels(inputs, attrs, reference: false, threads);
            Assert.True(expected.SequenceEqual(actual), $"n {n} c {c} s {spatial}, {threads} threads: not bitwise the reference");
        }
    }

    private static double[] RunKernels(Tensor?[] inputs, AttributeValue[] attrs, bool reference, int threads)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = 15 } };
        var node = new Node { OpType = "BatchNormalization", Name = "bn", Outputs = ["y"] };
        foreach (var a in attrs)
        {
            node.SetAttribute(a);
        }

        var feeds = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < inputs.Length; i++)
        {
            node.Inputs.Add($"in{i}");
            if (i == 0)
            {
                graph.Inputs.Add(new ValueInfo { Name = "in0", DataType = DataType.Float32 });
                feeds.Add(new("in0", inputs[0]!));
            }
            else
            {
                graph.Initializers[$"in{i}"] = inputs[i]!;
            }
        }

        graph.Nodes.Add(node);
        graph.Outputs.Add(new ValueInfo { Name = "y" });
        using var session = new Execution.InferenceSession(graph, new Planning.PlanOptions { Threads = threads, ReferenceKernels = reference, Profile = false });
        var store = session.Run(feeds);
        bool vector = store.Plan.Steps[0].Kernel is Planning.IDescribedKernel d && d.KernelName.StartsWith("BatchNorm", StringComparison.Ordinal);
        Assert.Equal(!reference, vector);
        return store["y"].ToDoubleArray();
    }

    [Fact]
    public void NormalisesPerChannel()
    {
        // c0: (x − 1)/2·1 + 0; c1: (x − 3)/0.5·2 + 1.
        var r = Run("BatchNormalization", [F([1, 2, 3, 4], 1, 2, 1, 2), F([1, 2], 2), F([0, 1], 2), F([1, 3], 2), F([4, 0.25f], 2)],
            [AttributeValue.Of("epsilon", 0f)], opset: 15);
        Assert.Equal([0.0, 0.5, 1, 5], r["out0"]);
    }

    [Fact]
    public void EpsilonIsAddedToTheVariance()
    {
        var r = Run("BatchNormalization", [F([3], 1, 1), F([1], 1), F([0], 1), F([0], 1), F([0.5f], 1)], [AttributeValue.Of("epsilon", 0.5f)], opset: 9);
        Assert.Equal([3.0], r["out0"]);
    }

    [Fact]
    public void SpatialZeroBeforeOpset9UsesPerElementParameters()
    {
        var r = Run("BatchNormalization", [F([1, 2, 3, 4], 1, 2, 2), F([1, 1, 1, 1], 2, 2), F([0, 0, 0, 0], 2, 2), F([1, 2, 3, 4], 2, 2), F([1, 1, 1, 1], 2, 2)],
            [I("spatial", 0), AttributeValue.Of("epsilon", 0f)], opset: 7);
        Assert.Equal([0.0, 0, 0, 0], r["out0"]);
    }

    [Fact]
    public void TrainingModeIsUnsupported()
    {
        var one = F([1], 1);
        Assert.Throws<UnsupportedOperatorException>(() =>
            Run("BatchNormalization", [F([1, 2], 2, 1), one, one, one, one], [I("training_mode", 1)], opset: 15));
    }
}
