using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class LRNTests
{
    /// <summary>
    /// The vector kernel against the reference kernel (<see cref="Planning.PlanOptions.ReferenceKernels"/>): plane sizes
    /// that hit every vector tail, each special-cased beta and a general one, odd and even windows wider than the
    /// channels; within 4 ulp-ish (the power is computed differently), and bitwise the same on 1, 2 and 3 threads.
    /// </summary>
    [Theory]
    [Trait("Category", "Kernels")]
    [InlineData(1, 7, 1, 5, 0.75f)]
    [InlineData(2, 6, 37, 5, 0.75f)]
    [InlineData(1, 9, 200, 3, 0.5f)]
    [InlineData(1, 4, 23, 2, 1f)]
    [InlineData(1, 5, 29, 4, 0.6f)]
    [InlineData(1, 3, 300, 9, 0.75f)]
    [InlineData(2, 64, 27 * 27, 5, 0.75f)]
    public void VectorKernelMatchesTheReference(int n, int c, int spatial, int size, float beta)
    {
        var rng = new Random((c * 31) + spatial);
        var x = Random(rng, n, c, spatial, 1);
        var attrs = new[] { I("size", size), AttributeValue.Of("alpha", 0.3f), AttributeValue.Of("beta", beta), AttributeValue.Of("bias", 1.5f) };
        var expected = RunWith(x, attrs, reference: true, threads: 1);
        var one = RunWith(x, attrs, reference: false, threads: 1);
        string what = $"LRN n {n} c {c} s {spatial} size {size} beta {beta}";
        AssertClose(expected, one, 0, 4e-7, what);
        foreach (int threads in new[] { 2, 3 })
        {
            Assert.True(one.SequenceEqual(RunWith(x, attrs, reference: false, threads)), $"{what}: {threads} threads differ from 1");
        }
    }

    private static double[] RunWith(Tensor x, AttributeValue[] attrs, bool reference, int threads)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = 13 } };
        var node = new Node { OpType = "LRN", Name = "lrn", Inputs = ["x"], Outputs = ["y"] };
        foreach (var a in attrs)
        {
            node.SetAttribute(a);
        }

        graph.Nodes.Add(node);
        graph.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Outputs.Add(new ValueInfo { Name = "y" });
        using var session = new Execution.InferenceSession(graph, new Planning.PlanOptions { Threads = threads, ReferenceKernels = reference, Profile = false });
        var store = session.Run([new KeyValuePair<string, Tensor>("x", x)]);
        bool vector = store.Plan.Steps[0].Kernel is Planning.IDescribedKernel d && d.KernelName.StartsWith("Lrn", StringComparison.Ordinal);
        Assert.Equal(!reference, vector);
        return store["y"].ToDoubleArray();
    }

    [Fact]
    public void OddSizeWindowIsCentred()
    {
        // size 3, alpha/size = 1, beta = 1, bias = 1: y_c = x_c / (1 + Σ_{|c'−c| ≤ 1} x_c'²).
        var r = Run("LRN", [F([1, 2, 3], 1, 3, 1, 1)], [I("size", 3), AttributeValue.Of("alpha", 3f), AttributeValue.Of("beta", 1f), AttributeValue.Of("bias", 1f)]);
        AssertClose([1.0 / 6, 2.0 / 15, 3.0 / 14], r["out0"], 1e-7, 1e-6, "LRN size 3");
    }

    [Fact]
    public void EvenSizeWindowReachesOneChannelFurtherUp()
    {
        // size 2: channels [c, c+1].
        var r = Run("LRN", [F([1, 2, 3], 1, 3, 1, 1)], [I("size", 2), AttributeValue.Of("alpha", 2f), AttributeValue.Of("beta", 1f), AttributeValue.Of("bias", 1f)]);
        AssertClose([1.0 / 6, 2.0 / 14, 3.0 / 10], r["out0"], 1e-7, 1e-6, "LRN size 2");
    }

    [Fact]
    public void DefaultsMatchTheFormula()
    {
        var rng = new Random(3);
        var x = Random(rng, 2, 7, 3, 2);
        var r = Run("LRN", [x], [I("size", 5)]);
        var xs = x.ToDoubleArray();
        var expected = new double[xs.Length];
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 7; c++)
            {
                for (int s = 0; s < 6; s++)
                {
                    double sq = 0;
                    for (int k = Math.Max(0, c - 2); k <= Math.Min(6, c + 2); k++)
                    {
                        sq += xs[((n * 7) + k) * 6 + s] * xs[((n * 7) + k) * 6 + s];
                    }

                    int i = ((n * 7) + c) * 6 + s;
                    expected[i] = xs[i] / Math.Pow(1 + (1e-4 / 5 * sq), 0.75);
                }
            }
        }

        AssertClose(expected, r["out0"], 1e-6, 1e-5, "LRN defaults");
    }
}
