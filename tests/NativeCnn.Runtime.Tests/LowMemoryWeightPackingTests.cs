using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// <see cref="PlanOptions.LowMemory"/>: the conv kernels that would keep a packed copy of the weights (im2col and
/// pointwise SGEMM, row tile, small plane) pack them from the original tensor into the shared scratch at the start of
/// each call. The packed bytes are the same, so every output is bitwise that of the exact default-mode kernels
/// (<c>AllowWinograd = false</c>), and the plan's kernels own no weight bytes. The ISA-tier script and
/// <c>NATIVECNN_POISON_SCRATCH=1</c> runs cover the other tiers and a scratch block that starts as NaN.
/// </summary>
[Trait("Category", "Kernels")]        // also run per ISA tier by tests/run-isa-tiers.sh
public sealed class LowMemoryWeightPackingTests
{
    private static Tensor Seeded(Random rng, params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        return t;
    }

    private static void AddConv(ModelGraph graph, Random rng, string x, string y, int cin, int cout, int k, int stride, int pad, int group = 1, bool relu = false)
    {
        string name = y + "_conv";
        graph.Initializers[name + "_w"] = Seeded(rng, cout, cin / group, k, k);
        graph.Initializers[name + "_b"] = Seeded(rng, cout);
        string h = relu ? y + "_pre" : y;
        var conv = new Node { OpType = "Conv", Name = name, Inputs = { x, name + "_w", name + "_b" }, Outputs = { h } };
        conv.SetAttribute(AttributeValue.Of("kernel_shape", [(long)k, k]));
        conv.SetAttribute(AttributeValue.Of("strides", [(long)stride, stride]));
        conv.SetAttribute(AttributeValue.Of("pads", [(long)pad, pad, pad, pad]));
        conv.SetAttribute(AttributeValue.Of("group", (long)group));
        graph.Nodes.Add(conv);
        if (relu)
        {
            graph.Nodes.Add(new Node { OpType = "Relu", Name = y + "_relu", Inputs = { h }, Outputs = { y } });
        }
    }

    private static void AddBatchNorm(ModelGraph graph, Random rng, string x, string y, int channels)
    {
        foreach (var name in new[] { "scale", "bias", "mean", "var" })
        {
            var t = Seeded(rng, channels);
            if (name == "var")
            {
                foreach (ref var v in t.AsSpan<float>())
                {
                    v = Math.Abs(v) + 0.1f;
                }
            }

            graph.Initializers[y + "_" + name] = t;
        }

        graph.Nodes.Add(new Node { OpType = "BatchNormalization", Name = y + "_bn", Inputs = { x, y + "_scale", y + "_bias", y + "_mean", y + "_var" }, Outputs = { y } });
    }

    /// <summary>
    /// A chain of convs, one per affected kernel on AVX-512 (names in the comments), every intermediate a graph output.
    /// </summary>
    private static ModelGraph Chain(bool batchNorm)
    {
        var rng = new Random(batchNorm ? 11 : 10);
        var graph = new ModelGraph { OpsetVersions = { [""] = 13 } };
        graph.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        AddConv(graph, rng, "x", "a", 8, 40, 3, 3, 1);                  // 3×3 stride 3, C_out 40: im2col SGEMM
        AddConv(graph, rng, "a", "b", 40, 48, 1, 1, 0, relu: true);     // 1×1, C_in 40: pointwise SGEMM (+ Relu epilogue)
        AddConv(graph, rng, "b", "c", 48, 48, 3, 1, 1, group: 2);       // grouped 3×3: im2col SGEMM, one pack per group
        AddConv(graph, rng, "c", "d", 48, 128, 3, 1, 1, relu: true);    // C_out 128: row tile
        AddConv(graph, rng, "d", "e", 128, 96, 3, 1, 1);                // C_out 96 on a 14×14 plane: small plane
        AddConv(graph, rng, "e", "f", 96, 64, 7, 2, 3);                 // 7×7 stride 2 (phase split): row tile
        if (batchNorm)
        {
            AddConv(graph, rng, "f", "g_pre", 64, 40, 3, 1, 1);         // folded into: im2col SGEMM
            AddBatchNorm(graph, rng, "g_pre", "g", 40);
            AddConv(graph, rng, "g", "h_pre", 40, 96, 3, 1, 1);         // folded into: small plane
            AddBatchNorm(graph, rng, "h_pre", "h", 96);
            AddConv(graph, rng, "h", "i_pre", 96, 64, 3, 1, 1);         // folded into: row tile
            AddBatchNorm(graph, rng, "i_pre", "i", 64);
        }

        foreach (var y in batchNorm ? new[] { "a", "b", "c", "d", "e", "f", "g", "h", "i" } : ["a", "b", "c", "d", "e", "f"])
        {
            graph.Outputs.Add(new ValueInfo { Name = y });
        }

        return graph;
    }

    /// <summary>Copies of the graph outputs (float → double is exact, so equal bits stay equal bits).</summary>
    private static Dictionary<string, double[]> Outputs(ModelGraph graph, ActivationStore store) =>
        graph.Outputs.ToDictionary(o => o.Name, o => store[o.Name].ToDoubleArray());

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 2)]
    [InlineData(true, 3)]
    public void LowMemoryPacksPerCallAndMatchesTheExactKernelsBitwise(bool batchNorm, int threads)
    {
        var graph = Chain(batchNorm);
        var x = Seeded(new Random(12), 2, 8, 42, 42);                   // batch 2: the per-call pack serves both images

        using var exact = new InferenceSession(graph, new PlanOptions { Threads = threads, Profile = false, AllowWinograd = false });
        var expected = Outputs(graph, exact.Run(x));
        using var low = new InferenceSession(graph, new PlanOptions { Threads = threads, Profile = false, LowMemory = true });
        var actual = Outputs(graph, low.Run(x));
        var again = Outputs(graph, low.Run(x));                         // a second call repacks over whatever the scratch holds

        var kernels = low.Plan!.Steps.Select(s => s.Kernel).ToList();
        Assert.Equal(exact.Plan!.Steps.Select(s => (s.Kernel as IDescribedKernel)?.KernelName), kernels.Select(k => (k as IDescribedKernel)?.KernelName));
        if (KernelIsaSupport.Best == KernelIsa.Vector512)
        {
            var names = kernels.OfType<IDescribedKernel>().Select(k => k.KernelName).ToList();
            Assert.Contains(names, n => n.StartsWith("ConvIm2colSgemm", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("ConvPointwiseSgemm", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("ConvRowTile", StringComparison.Ordinal));
            Assert.Contains(names, n => n.StartsWith("ConvSmallPlaneSgemm", StringComparison.Ordinal));
        }

        foreach (var k in kernels)
        {
            bool perCall = k switch
            {
                ConvSgemm s => s.PacksWeightsPerCall,
                ConvRowTile r => r.PacksWeightsPerCall,
                ConvSmallPlane p => p.PacksWeightsPerCall,
                _ => true,
            };
            Assert.True(perCall, $"{(k as IDescribedKernel)?.KernelName} keeps packed weights under LowMemory");
        }

        foreach (var output in graph.Outputs)
        {
            var e = expected[output.Name];
            foreach (var a in new[] { actual[output.Name], again[output.Name] })
            {
                Assert.Equal(e.Length, a.Length);
                for (int i = 0; i < e.Length; i++)
                {
                    Assert.True(BitConverter.DoubleToInt64Bits(e[i]) == BitConverter.DoubleToInt64Bits(a[i]),
                        $"{output.Name}[{i}]: low memory {a[i]:R}, exact {e[i]:R}");
                }
            }
        }

        var memory = PlanMemory.Measure(low.Plan);
        long convWeights = graph.Initializers.Where(kv => kv.Key.EndsWith("_w", StringComparison.Ordinal)).Sum(kv => kv.Value.Length * 4L);
        Assert.True(memory.KernelWeightBytes == 0, $"kernel-owned weight bytes {memory.KernelWeightBytes} (conv weights {convWeights})");
        var exactMemory = PlanMemory.Measure(exact.Plan);
        Assert.True(exactMemory.KernelWeightBytes >= convWeights, $"default plan: kernel-owned weight bytes {exactMemory.KernelWeightBytes}");
        if (batchNorm)
        {
            // The kernels read the folded weights on every call: the plan keeps them (as a constant) instead of a packed copy.
            Assert.True(low.Plan.Values.ContainsKey("g#folded_W"));
            Assert.Equal("g#folded_W", low.Plan.Steps.Single(s => s.Outputs.Contains("g")).Inputs[1]);
        }
    }
}
