using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// Fusions (Conv/Add + activation epilogues, zero-copy Concat/Dropout/Identity): small models with random weights are
/// planned with Fusion on and off, and every value the fused plan stores must equal the unfused value bit for bit;
/// the values it elides are exactly the expected ones, each replaced by a stored value.
/// </summary>
[Trait("Category", "Kernels")]        // also run per ISA tier by tests/run-isa-tiers.sh
public class FusionTests
{
    /// <summary>Builds graphs with seeded random initializers.</summary>
    private sealed class Net(int seed = 1)
    {
        private readonly Random _rng = new(seed);

        public OnnxModelBuilder B { get; } = new OnnxModelBuilder("fusion").Opset(13);

        public string Weights(string name, params int[] shape)
        {
            var t = Tensor.Create(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = (float)((_rng.NextDouble() * 2) - 1) * 0.5f;
            }

            B.AddInitializer(name, t);
            return name;
        }

        public string Positive(string name, params int[] shape)
        {
            var t = Tensor.Create(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = 0.5f + (float)_rng.NextDouble();
            }

            B.AddInitializer(name, t);
            return name;
        }

        /// <summary>Conv with random weights and bias; returns the output name.</summary>
        public string Conv(string x, string y, int cin, int cout, int k, int stride = 1, int pad = 0, int group = 1, bool bias = true)
        {
            string w = Weights($"{y}_W", cout, cin / group, k, k);
            var inputs = bias ? new[] { x, w, Weights($"{y}_B", cout) } : [x, w];
            B.AddNode("Conv", inputs, [y],
                AttributeValue.Of("kernel_shape", new long[] { k, k }), AttributeValue.Of("strides", new long[] { stride, stride }),
                AttributeValue.Of("pads", new long[] { pad, pad, pad, pad }), AttributeValue.Of("group", (long)group));
            return y;
        }

        public string Relu(string x, string y)
        {
            B.AddNode("Relu", [x], [y]);
            return y;
        }
    }

    private static Tensor RandomInput(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var t = Tensor.Create(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return t;
    }

    /// <summary>
    /// Runs the graph fused and unfused (on <paramref name="threads"/> threads) and checks: every value of the unfused
    /// plan is either stored by the fused plan with the same bits, or elided (and then in <paramref name="elided"/>,
    /// replaced by a chain that ends at a stored value of the same shape); returns the fused session (caller disposes).
    /// </summary>
    private static InferenceSession RunBoth(ModelGraph graph, Tensor input, string[] elided, int threads = 1, bool reference = false)
    {
        using var off = new InferenceSession(graph, new PlanOptions { Fusion = false, Threads = threads, ReferenceKernels = reference });
        var on = new InferenceSession(graph, new PlanOptions { Fusion = true, Threads = threads, ReferenceKernels = reference });
        var offStore = off.Run(input);
        var onStore = on.Run(input);
        var seenElided = new List<string>();
        foreach (var (name, v) in offStore.Plan.Values)
        {
            Assert.NotEqual(ValueKind.Elided, v.Kind);
            Assert.Null(v.AliasOf);         // Fusion = false: every value in its own slot
            if (v.Kind is ValueKind.Constant)
            {
                continue;
            }

            if (onStore.IsElided(name, out var by))
            {
                seenElided.Add(name);
                Assert.NotNull(by);
                string? stored = onStore.StoredReplacement(name);
                Assert.NotNull(stored);
                Assert.Equal(v.Type.Shape, onStore[stored!].Shape);
                var e = Assert.Throws<KeyNotFoundException>(() => onStore[name]);
                Assert.Contains(stored!, e.Message, StringComparison.Ordinal);
                continue;
            }

            AssertBitwise(offStore[name], onStore[name], name);
        }

        Assert.Equal(elided.Order(StringComparer.Ordinal), seenElided.Order(StringComparer.Ordinal));
        return on;
    }

    private static unsafe void AssertBitwise(TensorView expected, TensorView actual, string name)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.True(expected.IsContiguous && actual.IsContiguous, name);
        int size = expected.DataType.SizeOf();
        var e = new ReadOnlySpan<byte>((void*)expected.Pointer, checked((int)(expected.Length * size)));
        var a = new ReadOnlySpan<byte>((void*)actual.Pointer, checked((int)(actual.Length * size)));
        int at = e.CommonPrefixLength(a);
        if (at < e.Length)
        {
            int i = at / size;
            string detail = expected.DataType == DataType.Float32 ? $": unfused {expected.Span<float>()[i]:R}, fused {actual.Span<float>()[i]:R}" : "";
            Assert.Fail($"value '{name}' differs at flat index {i}{detail}");
        }
    }

    private static string KernelOf(InferenceSession s, string nodeName) =>
        s.Plan!.Steps.Single(st => st.Node.Name == nodeName || st.Node.DisplayName == nodeName).Kernel is IDescribedKernel d ? d.KernelName
        : s.Plan!.Steps.Single(st => st.Node.Name == nodeName || st.Node.DisplayName == nodeName).Kernel.GetType().Name;

    // ---- Conv + activation ----

    /// <summary>The shapes below pick their kernels on AVX-512; other tiers (tests/run-isa-tiers.sh) choose others, still checked bitwise.</summary>
    private static bool OnTierOfTheShapes => NativeCnn.Runtime.Kernels.KernelIsaSupport.Best == NativeCnn.Runtime.Kernels.KernelIsa.Vector512;

    public static TheoryData<string, int[], int, int, int, int, int, int, string> ConvPaths => new()
    {
        // name, input shape, cout, k, stride, pad, group, threads, expected kernel (substring)
        { "pointwise", [1, 16, 20, 20], 40, 1, 1, 0, 1, 1, "ConvPointwiseSgemm" },
        { "pointwise-2t", [1, 16, 20, 20], 40, 1, 1, 0, 1, 2, "ConvPointwiseSgemm" },
        { "im2col", [1, 32, 21, 21], 24, 3, 2, 1, 1, 1, "ConvIm2colSgemm" },
        { "im2col-2t", [1, 32, 21, 21], 24, 3, 2, 1, 1, 2, "ConvIm2colSgemm" },
        { "winograd", [1, 64, 26, 26], 32, 3, 1, 1, 1, 1, "ConvWinogradF4x4" },
        { "winograd-2t", [1, 64, 26, 26], 32, 3, 1, 1, 1, 2, "ConvWinogradF4x4" },
        { "smallplane", [1, 32, 13, 13], 96, 3, 1, 1, 1, 1, "ConvSmallPlane" },
        { "smallplane-2t", [1, 32, 13, 13], 96, 3, 1, 1, 1, 2, "ConvSmallPlane" },
        { "rowtile", [1, 32, 13, 13], 64, 3, 1, 1, 1, 1, "ConvRowTile" },
        { "rowtile-2t", [1, 32, 13, 13], 128, 3, 1, 1, 1, 2, "ConvRowTile" },
        { "rowtile-s2-2t", [1, 32, 14, 14], 64, 3, 2, 0, 1, 2, "ConvRowTile" },
        { "rowtile-1x1-s2-2t", [1, 64, 28, 27], 64, 1, 2, 0, 1, 2, "ConvRowTile" },
        { "rowtile-1x1-14", [1, 70, 14, 14], 128, 1, 1, 0, 1, 1, "ConvRowTile" },
        { "rowtile-96-2t", [1, 48, 27, 27], 96, 3, 1, 1, 1, 2, "ConvRowTile" },
        { "directsmallk", [1, 3, 40, 100], 12, 3, 1, 1, 1, 1, "ConvDirectSmallK" },
        { "directsmallk-s2-2t", [1, 3, 41, 41], 16, 3, 2, 0, 1, 2, "ConvDirectSmallK" },
        { "depthwise", [1, 24, 19, 37], 24, 3, 1, 1, 24, 1, "ConvDepthwise" },
        { "depthwise-s2-2t", [1, 24, 19, 37], 48, 3, 2, 1, 24, 2, "ConvDepthwise" },
    };

    [Theory]
    [MemberData(nameof(ConvPaths))]
    public void ConvReluIsOneStepAndKeepsEveryOtherValueBitwise(string name, int[] shape, int cout, int k, int stride, int pad, int group, int threads, string kernel)
    {
        var net = new Net(name.Length);
        net.B.AddInput("x", DataType.Float32, shape.Select(d => (long)d).ToArray());
        net.Conv("x", "c", shape[1], cout, k, stride, pad, group);
        net.Relu("c", "r");
        net.Conv("r", "c2", cout, 8, 1);
        net.B.AddOutput("c2");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(7, shape), ["c"], threads);
        var step = on.Plan!.Steps[0];
        Assert.Equal(["r"], step.Outputs);
        Assert.Equal(["Relu"], step.FusedNodes.Select(n => n.OpType));
        Assert.Equal(2, on.Plan.Steps.Count);
        Assert.Equal("r", on.Store!.StoredReplacement("c"));
        string kn = ((IDescribedKernel)step.Kernel).KernelName;
        if (OnTierOfTheShapes)
        {
            Assert.Contains(kernel, kn, StringComparison.Ordinal);
        }

        Assert.EndsWith("+Relu", kn, StringComparison.Ordinal);
        Assert.True(on.Store!["r"].Span<float>().ToArray().Any(v => v == 0f), "the test input should make some outputs negative");
    }

    [Theory]
    [InlineData("LeakyRelu")]
    [InlineData("Clip")]
    public void LeakyReluAndClipOnEveryConvPath(string act)
    {
        foreach (var row in ConvPaths)
        {
            var (name, shape, cout, k, stride, pad, group, threads, kernel) =
                ((string)row[0], (int[])row[1], (int)row[2], (int)row[3], (int)row[4], (int)row[5], (int)row[6], (int)row[7], (string)row[8]);
            var net = new Net(name.Length + 100);
            net.B.AddInput("x", DataType.Float32, shape.Select(d => (long)d).ToArray());
            net.Conv("x", "c", shape[1], cout, k, stride, pad, group);
            if (act == "LeakyRelu")
            {
                net.B.AddNode("LeakyRelu", ["c"], ["a"], AttributeValue.Of("alpha", 0.15f));
            }
            else
            {
                net.B.AddInitializer("lo", Tensor.Scalar(-0.1f)).AddInitializer("hi", Tensor.Scalar(0.3f));
                net.B.AddNode("Clip", ["c", "lo", "hi"], ["a"]);
            }

            net.B.AddOutput("a");
            using var on = RunBoth(net.B.ToGraph(), RandomInput(name.Length, shape), ["c"], threads);
            string kn = ((IDescribedKernel)on.Plan!.Steps.Single().Kernel).KernelName;
            Assert.True(kn.EndsWith("+" + act, StringComparison.Ordinal), $"{name}: {kn}");
            Assert.True(!OnTierOfTheShapes || kn.Contains(kernel, StringComparison.Ordinal), $"{name}: {kn}");
        }
    }

    [Fact]
    public void ReferenceConvGetsTheActivationAsASeparatePass()
    {
        var net = new Net(3);
        net.B.AddInput("x", DataType.Float32, 1, 5, 9, 9);
        net.Conv("x", "c", 5, 6, 3, 1, 1);
        net.Relu("c", "r");
        net.B.AddOutput("r");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(1, 1, 5, 9, 9), ["c"], threads: 2, reference: true);
        Assert.Single(on.Plan!.Steps);
        Assert.IsType<NativeCnn.Runtime.Kernels.ActivationAfterKernel>(on.Plan.Steps[0].Kernel);
    }

    [Fact]
    public void ConvBatchNormReluElidesBothIntermediateValues()
    {
        var net = new Net(5);
        net.B.AddInput("x", DataType.Float32, 1, 8, 14, 14);
        net.Conv("x", "c", 8, 16, 3, 1, 1, bias: false);
        net.B.AddNode("BatchNormalization", ["c", net.Positive("g", 16), net.Weights("b", 16), net.Weights("m", 16), net.Positive("v", 16)], ["bn"]);
        net.Relu("bn", "r");
        net.B.AddNode("MaxPool", ["r"], ["p"], AttributeValue.Of("kernel_shape", new long[] { 2, 2 }), AttributeValue.Of("strides", new long[] { 2, 2 }));
        net.B.AddOutput("p");
        var graph = net.B.ToGraph();
        var input = RandomInput(2, 1, 8, 14, 14);

        // BN folding changes the conv's rounding, so compare the fused plan against itself without the Relu fused:
        // the values it stores must be the folded conv's output after a bitwise Relu.
        using var on = new InferenceSession(graph, new PlanOptions { Threads = 1 });
        var store = on.Run(input);
        Assert.True(store.IsElided("c", out var byC));
        Assert.Equal("bn", byC);
        Assert.True(store.IsElided("bn", out var byBn));
        Assert.Equal("r", byBn);
        Assert.Equal("r", store.StoredReplacement("c"));
        Assert.Equal("Conv+BatchNormalization+Relu", string.Join("+", new[] { on.Plan!.Steps[0].Node.OpType }.Concat(on.Plan.Steps[0].FusedNodes.Select(n => n.OpType))));

        using var folded = new InferenceSession(WithoutRelu(graph), new PlanOptions { Threads = 1 });
        var bn = folded.Run(input)["bn"].Span<float>();
        var r = store["r"].Span<float>();
        for (int i = 0; i < bn.Length; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(bn[i] > 0 ? bn[i] : 0f), BitConverter.SingleToInt32Bits(r[i]));
        }

        // And within tolerance of the unfused graph (BN folding rounds differently).
        using var off = new InferenceSession(graph, new PlanOptions { Threads = 1, Fusion = false });
        var offR = off.Run(input)["r"].Span<float>();
        for (int i = 0; i < offR.Length; i++)
        {
            Assert.True(Math.Abs(offR[i] - r[i]) <= 1e-4f * (1 + Math.Abs(offR[i])), $"r[{i}]: unfused {offR[i]}, fused {r[i]}");
        }
    }

    /// <summary>The graph with its Relu replaced by a graph output on the Relu's input (so nothing fuses into the conv but BN).</summary>
    private static ModelGraph WithoutRelu(ModelGraph g)
    {
        var b = new OnnxModelBuilder("norelu").Opset(13);
        foreach (var i in g.Inputs)
        {
            b.AddInput(i.Name, i.DataType, i.Shape);
        }

        foreach (var (n, t) in g.Initializers)
        {
            b.AddInitializer(n, t);
        }

        foreach (var n in g.Nodes.Where(n => n.OpType is "Conv" or "BatchNormalization"))
        {
            b.AddNode(n.OpType, [.. n.Inputs], [.. n.Outputs], n.Name, "", [.. n.Attributes.Values]);
        }

        b.AddOutput("bn");
        return b.ToGraph();
    }

    [Theory]
    [InlineData("LeakyRelu", 13)]
    [InlineData("Clip", 13)]
    [InlineData("Clip", 6)]
    public void LeakyReluAndClipFuseBitwise(string op, int opset)
    {
        var net = new Net(11);
        net.B.Opset(opset);
        net.B.AddInput("x", DataType.Float32, 1, 16, 18, 18);
        net.Conv("x", "c", 16, 32, 1);
        if (op == "LeakyRelu")
        {
            net.B.AddNode("LeakyRelu", ["c"], ["a"], AttributeValue.Of("alpha", 0.1f));
        }
        else if (opset >= 11)
        {
            net.B.AddInitializer("lo", Tensor.Scalar(0f)).AddInitializer("hi", Tensor.Scalar(0.25f));
            net.B.AddNode("Clip", ["c", "lo", "hi"], ["a"]);
        }
        else
        {
            net.B.AddNode("Clip", ["c"], ["a"], AttributeValue.Of("min", 0f), AttributeValue.Of("max", 0.25f));
        }

        net.Conv("a", "c2", 32, 4, 3, 1, 1);
        net.B.AddOutput("c2");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(3, 1, 16, 18, 18), ["c"], threads: 2);
        Assert.Equal([op], on.Plan!.Steps[0].FusedNodes.Select(n => n.OpType));
        Assert.EndsWith("+" + op, ((IDescribedKernel)on.Plan.Steps[0].Kernel).KernelName, StringComparison.Ordinal);
    }

    [Fact]
    public void ClipWithRuntimeBoundsIsNotFused()
    {
        var net = new Net(2);
        net.B.AddInput("x", DataType.Float32, 1, 4, 8, 8);
        net.B.AddInput("hi", DataType.Float32);
        net.Conv("x", "c", 4, 8, 1);
        net.B.AddNode("Clip", ["c", "", "hi"], ["a"]);
        net.B.AddOutput("a");
        var plan = Planner.Build(net.B.ToGraph(), new Dictionary<string, int[]> { ["x"] = [1, 4, 8, 8], ["hi"] = [] }, new PlanOptions());
        Assert.Equal(2, plan.Steps.Count);
        Assert.Equal(ValueKind.Activation, plan.Values["c"].Kind);
    }

    [Fact]
    public void AConvOutputWithAnotherConsumerOrThatIsAGraphOutputIsNotFused()
    {
        var net = new Net(4);
        net.B.AddInput("x", DataType.Float32, 1, 4, 10, 10);
        net.Conv("x", "c", 4, 8, 3, 1, 1);
        net.Relu("c", "r");
        net.Conv("c", "side", 8, 2, 1);             // a second reader of the pre-Relu value
        net.Conv("r", "d", 8, 8, 1);
        net.Relu("d", "rd");
        net.B.AddOutput("side").AddOutput("rd").AddOutput("d");   // d is a graph output
        using var on = RunBoth(net.B.ToGraph(), RandomInput(5, 1, 4, 10, 10), []);
        Assert.Equal(5, on.Plan!.Steps.Count);
        Assert.All(on.Plan.Steps, s => Assert.Empty(s.FusedNodes));
    }

    [Fact]
    public void FusionOffKeepsTheReluStep()
    {
        var net = new Net(6);
        net.B.AddInput("x", DataType.Float32, 1, 4, 10, 10);
        net.Conv("x", "c", 4, 8, 3, 1, 1);
        net.Relu("c", "r");
        net.B.AddOutput("r");
        var plan = Planner.Build(net.B.ToGraph(), new Dictionary<string, int[]> { ["x"] = [1, 4, 10, 10] }, new PlanOptions { Fusion = false });
        Assert.Equal([OpKind.Conv, OpKind.Relu], plan.Steps.Select(s => s.Kind));
        Assert.DoesNotContain(plan.Values.Values, v => v.Kind == ValueKind.Elided);
    }

    // ---- Add + activation ----

    [Theory]
    [InlineData("Relu", 1)]
    [InlineData("Relu", 2)]
    [InlineData("LeakyRelu", 1)]
    public void ResidualAddReluIsOneStepAndBitwise(string act, int threads)
    {
        // A ResNet basic block: x → conv → relu → conv ─┐
        //                        └──────────────────────Add → act
        var net = new Net(8);
        net.B.AddInput("x", DataType.Float32, 1, 16, 23, 23);        // 8464 elements: several activation chunks and a ragged end
        net.Conv("x", "c1", 16, 16, 3, 1, 1);
        net.Relu("c1", "r1");
        net.Conv("r1", "c2", 16, 16, 3, 1, 1);
        net.B.AddNode("Add", ["c2", "x"], ["sum"]);
        if (act == "Relu")
        {
            net.Relu("sum", "out");
        }
        else
        {
            net.B.AddNode("LeakyRelu", ["sum"], ["out"], AttributeValue.Of("alpha", 0.2f));
        }

        net.Conv("out", "head", 16, 4, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(9, 1, 16, 23, 23), ["c1", "sum"], threads);
        var add = on.Plan!.Steps.Single(s => s.Kind == OpKind.Add);
        Assert.Equal(["out"], add.Outputs);
        Assert.Equal([act], add.FusedNodes.Select(n => n.OpType));
        Assert.EndsWith("+" + act, ((IDescribedKernel)add.Kernel).KernelName, StringComparison.Ordinal);
        Assert.Equal(4, on.Plan.Steps.Count);
    }

    [Fact]
    public void BroadcastAddReluFusesBitwise()
    {
        var net = new Net(9);
        net.B.AddInput("x", DataType.Float32, 1, 8, 9, 9);
        net.Conv("x", "c", 8, 8, 1, bias: false);
        net.B.AddNode("Add", [net.Weights("bias", 1, 8, 1, 1), "c"], ["sum"]);      // repeated + dense blocks
        net.Relu("sum", "r");
        net.B.AddNode("Add", ["r", net.Weights("s", 1)], ["sum2"]);                  // dense + scalar
        net.Relu("sum2", "r2");
        net.B.AddOutput("r2");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(4, 1, 8, 9, 9), ["sum", "sum2"]);
        Assert.Equal(3, on.Plan!.Steps.Count);
    }

    /// <summary>
    /// Sum (two inputs: the blocked binary kernel; three: the variadic reference, then the activation pass) fuses its
    /// activation like Add (ResNet-50's zoo graph has Sum → Relu after every block).
    /// </summary>
    [Theory]
    [InlineData(2, "Relu", 1)]
    [InlineData(2, "Relu", 2)]
    [InlineData(3, "LeakyRelu", 1)]
    public void SumActivationFusesBitwise(int inputs, string act, int threads)
    {
        var net = new Net(12);
        net.B.AddInput("x", DataType.Float32, 1, 16, 23, 23);
        net.Conv("x", "c1", 16, 16, 3, 1, 1);
        net.Conv("x", "c2", 16, 16, 1);
        net.B.AddNode("Sum", inputs == 2 ? ["c1", "c2"] : ["c1", "c2", "x"], ["sum"]);
        if (act == "Relu")
        {
            net.Relu("sum", "out");
        }
        else
        {
            net.B.AddNode("LeakyRelu", ["sum"], ["out"], AttributeValue.Of("alpha", 0.2f));
        }

        net.Conv("out", "head", 16, 4, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(13, 1, 16, 23, 23), ["sum"], threads);
        var sum = on.Plan!.Steps.Single(s => s.Kind == OpKind.Sum);
        Assert.Equal(["out"], sum.Outputs);
        Assert.Equal([act], sum.FusedNodes.Select(n => n.OpType));
    }

    /// <summary>
    /// DenseNet's pre-activation: Concat → BatchNormalization → Relu → conv. The BN cannot fold into a conv (none
    /// produces its input); the Relu runs in the vector BN kernel's registers instead of as a step of its own.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StandaloneBatchNormReluFusesBitwise(int threads)
    {
        var net = new Net(14);
        net.B.AddInput("x", DataType.Float32, 1, 8, 17, 19);
        net.Conv("x", "c1", 8, 8, 3, 1, 1);
        net.B.AddNode("Concat", ["x", "c1"], ["cat"], AttributeValue.Of("axis", 1L));
        net.B.AddNode("BatchNormalization", ["cat", net.Weights("scale", 16), net.Weights("bshift", 16), net.Weights("mean", 16), net.Positive("var", 16)], ["bn"]);
        net.Relu("bn", "r");
        net.Conv("r", "head", 16, 4, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(15, 1, 8, 17, 19), ["bn"], threads);
        var bn = on.Plan!.Steps.Single(s => s.Kind == OpKind.BatchNormalization);
        Assert.Equal(["r"], bn.Outputs);
        Assert.EndsWith("+Relu", ((IDescribedKernel)bn.Kernel).KernelName, StringComparison.Ordinal);
    }

    // ---- zero-copy Concat, Dropout, Identity ----

    private static unsafe long ByteOffset(ActivationStore store, string value, string inside) =>
        (long)store[value].Pointer - (long)store[inside].Pointer;

    /// <summary>Bytes of the arena the plan needs: every value with its own slot (not constant, elided or a view), 64-aligned.</summary>
    private static long SlotBytes(ExecutionPlan plan) =>
        plan.Values.Values.Where(v => v.Kind is not (ValueKind.Constant or ValueKind.Elided) && v.AliasOf is null).Sum(v => (v.ByteSize + 63) / 64 * 64);

    /// <summary>
    /// Reshape, Flatten, Squeeze and Unsqueeze (constant shape / axes) copy nothing: their outputs are views of their
    /// inputs under their own shapes, with the same elements as the unfused plan's copies (ShuffleNet's channel shuffle:
    /// Reshape → Transpose → Reshape).
    /// </summary>
    [Fact]
    public void ReshapeLikeOpsAreViews()
    {
        var net = new Net(16);
        net.B.AddInput("x", DataType.Float32, 1, 12, 7, 7);
        net.Conv("x", "c", 12, 12, 3, 1, 1);
        net.B.AddInitializer("shape", Tensor.FromArray(new long[] { 1, 3, 4, 7, 7 }, 5));
        net.B.AddNode("Reshape", ["c", "shape"], ["g"]);
        net.B.AddNode("Transpose", ["g"], ["t"], AttributeValue.Of("perm", [0L, 2, 1, 3, 4]));
        net.B.AddInitializer("back", Tensor.FromArray(new long[] { 1, 12, 7, 7 }, 4));
        net.B.AddNode("Reshape", ["t", "back"], ["shuffled"]);
        net.B.AddInitializer("axes", Tensor.FromArray(new long[] { 0 }, 1));
        net.B.AddNode("Squeeze", ["shuffled", "axes"], ["sq"]);
        net.B.AddNode("Unsqueeze", ["sq", "axes"], ["un"]);
        net.B.AddNode("Flatten", ["un"], ["flat"]);
        net.B.AddNode("Gemm", ["flat", net.Weights("fw", 5, 588)], ["head"], AttributeValue.Of("transB", 1L));
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(17, 1, 12, 7, 7), []);
        var plan = on.Plan!;
        Assert.Equal("c", plan.Values["g"].AliasOf);
        Assert.Equal("t", plan.Values["shuffled"].AliasOf);
        Assert.Equal("shuffled", plan.Values["sq"].AliasOf);
        Assert.Equal("sq", plan.Values["un"].AliasOf);
        Assert.Equal("un", plan.Values["flat"].AliasOf);
        Assert.Equal(5, plan.Steps.Count(st => st.ZeroCopy));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FireModuleConcatIsWrittenInPlace(int threads)
    {
        // SqueezeNet's fire module: squeeze 1×1 → (expand 1×1, expand 3×3) → Concat on channels → Dropout → conv.
        var net = new Net(12);
        net.B.AddInput("x", DataType.Float32, 1, 24, 15, 15);
        net.Relu(net.Conv("x", "sq", 24, 8, 1), "sqr");
        net.Relu(net.Conv("sqr", "e1", 8, 20, 1), "e1r");
        net.Relu(net.Conv("sqr", "e3", 8, 12, 3, 1, 1), "e3r");
        net.B.AddNode("Concat", ["e1r", "e3r"], ["cat"], AttributeValue.Of("axis", 1L));
        net.B.AddNode("Dropout", ["cat"], ["drop"]);
        net.B.AddNode("Identity", ["drop"], ["id"]);
        net.Conv("id", "head", 32, 10, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(12, 1, 24, 15, 15), ["sq", "e1", "e3"], threads);
        var store = on.Store!;
        var plan = on.Plan!;

        // The expand outputs are views into their slices of the concat; the Dropout and Identity outputs are the concat.
        Assert.Equal(0, ByteOffset(store, "e1r", "cat"));
        Assert.Equal(20L * 15 * 15 * 4, ByteOffset(store, "e3r", "cat"));
        Assert.Equal(0, ByteOffset(store, "drop", "cat"));
        Assert.Equal(0, ByteOffset(store, "id", "cat"));
        Assert.Equal("cat", plan.Values["e1r"].AliasOf);
        Assert.Equal("drop", plan.Values["id"].AliasOf);
        Assert.True(store["e3r"].IsContiguous);
        Assert.True(plan.Steps.Where(s => s.Kind is OpKind.Concat or OpKind.Dropout or OpKind.Identity).All(s => s.ZeroCopy));
        Assert.Equal(SlotBytes(plan), plan.ArenaBytes);
        using var off = new InferenceSession(net.B.ToGraph(), new PlanOptions { Fusion = false, Threads = threads });
        off.Prepare(new Dictionary<string, int[]> { ["x"] = [1, 24, 15, 15] });
        Assert.Equal(SlotBytes(off.Plan!), off.Plan!.ArenaBytes);
        Assert.True(plan.ArenaBytes < off.Plan!.ArenaBytes);

        // A second run with another input rewrites every slice in place.
        var store2 = on.Run(RandomInput(13, 1, 24, 15, 15));
        var offStore = off.Run(RandomInput(13, 1, 24, 15, 15));
        foreach (var name in new[] { "e1r", "e3r", "cat", "drop", "id", "head" })
        {
            AssertBitwise(offStore[name], store2[name], name);
        }
    }

    [Fact]
    public void ConcatCopiesWhatItCannotPlace()
    {
        // x is a graph input, "c" is read by two concats (only the first can hold it), "d" is a graph output, "e" is
        // given twice: only "c" is placed (in the first concat); the rest are copied.
        var net = new Net(13);
        net.B.AddInput("x", DataType.Float32, 1, 4, 6, 6);
        net.Conv("x", "c", 4, 3, 1);
        net.Conv("x", "d", 4, 2, 1);
        net.Conv("x", "e", 4, 5, 3, 1, 1);
        net.B.AddNode("Concat", ["x", "c", "d", "e", "e"], ["cat1"], AttributeValue.Of("axis", -3L));
        net.B.AddNode("Concat", ["c", "x"], ["cat2"], AttributeValue.Of("axis", 1L));
        net.B.AddOutput("cat1").AddOutput("cat2").AddOutput("d");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(14, 1, 4, 6, 6), [], threads: 2);
        var plan = on.Plan!;
        Assert.Equal("cat1", plan.Values["c"].AliasOf);
        Assert.Null(plan.Values["d"].AliasOf);
        Assert.Null(plan.Values["e"].AliasOf);
        Assert.Equal(4 * 36 * 4, ByteOffset(on.Store!, "c", "cat1"));
        Assert.Null(plan.Values["x"].AliasOf);
        Assert.All(plan.Steps.Where(s => s.Kind == OpKind.Concat), s => Assert.False(s.ZeroCopy));
        Assert.IsType<NativeCnn.Runtime.Kernels.PartialConcatKernel>(plan.Steps.Single(s => s.Outputs[0] == "cat1").Kernel);
        Assert.Equal(SlotBytes(plan), plan.ArenaBytes);
    }

    [Fact]
    public void AConcatWithAConstantInputIsLeftAlone()
    {
        var net = new Net(17);
        net.B.AddInput("x", DataType.Float32, 1, 4, 5, 5);
        net.Conv("x", "a", 4, 3, 1);
        net.B.AddNode("Concat", ["a", net.Weights("k", 1, 2, 5, 5)], ["cat"], AttributeValue.Of("axis", 1L));
        net.Conv("cat", "head", 5, 2, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(18, 1, 4, 5, 5), []);
        Assert.DoesNotContain(on.Plan!.Values.Values, v => v.AliasOf is not null);
    }

    [Fact]
    public void NestedConcatsNest()
    {
        var net = new Net(14);
        net.B.AddInput("x", DataType.Float32, 1, 4, 5, 5);
        net.Relu(net.Conv("x", "a", 4, 3, 1), "ar");
        net.Relu(net.Conv("x", "b", 4, 2, 1), "br");
        net.Relu(net.Conv("x", "c", 4, 6, 3, 1, 1), "cr");
        net.B.AddNode("Concat", ["ar", "br"], ["ab"], AttributeValue.Of("axis", 1L));
        net.B.AddNode("Concat", ["cr", "ab"], ["abc"], AttributeValue.Of("axis", 1L));
        net.Conv("abc", "head", 11, 2, 1);
        net.B.AddOutput("head");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(15, 1, 4, 5, 5), ["a", "b", "c"]);
        Assert.Equal(6 * 25 * 4, ByteOffset(on.Store!, "ab", "abc"));
        Assert.Equal((6 + 3) * 25 * 4, ByteOffset(on.Store!, "br", "abc"));
        Assert.All(on.Plan!.Steps.Where(s => s.Kind == OpKind.Concat), s => Assert.True(s.ZeroCopy));
    }

    [Theory]
    [InlineData(2, 1)]      // batch 2: each input is two runs of the output
    [InlineData(1, 2)]      // concat on H with C > 1
    public void ConcatsWhoseInputsAreNotOneRunCopy(int batch, int axis)
    {
        var net = new Net(15);
        net.B.AddInput("x", DataType.Float32, batch, 3, 6, 6);
        net.Conv("x", "a", 3, 4, 1);
        net.Conv("x", "b", 3, 4, 1);
        net.B.AddNode("Concat", ["a", "b"], ["cat"], AttributeValue.Of("axis", (long)axis));
        net.B.AddOutput("cat");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(16, batch, 3, 6, 6), []);
        Assert.DoesNotContain(on.Plan!.Values.Values, v => v.AliasOf is not null);
    }

    [Fact]
    public void DropoutAndIdentityAtTheGraphEdgeCopy()
    {
        var net = new Net(16);
        net.B.AddInput("x", DataType.Float32, 1, 3, 4, 4);
        net.B.AddNode("Identity", ["x"], ["xi"]);                 // reads a graph input
        net.Conv("xi", "c", 3, 2, 1);
        net.B.AddNode("Dropout", ["c"], ["out"]);                 // writes a graph output
        net.B.AddOutput("out");
        using var on = RunBoth(net.B.ToGraph(), RandomInput(17, 1, 3, 4, 4), []);
        Assert.DoesNotContain(on.Plan!.Values.Values, v => v.AliasOf is not null);
        Assert.DoesNotContain(on.Plan.Steps, s => s.ZeroCopy);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SqueezeNetStoresTheSameBitsFusedAndUnfused(int threads)
    {
        string path = NativeCnn.Tests.TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        var input = OnnxTensor.Read(Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0", "input_0.pb")).Tensor;
        var graph = OnnxModel.Load(path);
        var convs = graph.Nodes.Where(n => n.OpType == "Conv").Select(n => n.Outputs[0]).ToArray();
        using var on = RunBoth(graph, input, convs, threads);
        Assert.Equal(26, convs.Length);
        Assert.Equal(8, on.Plan!.Steps.Count(s => s.Kind == OpKind.Concat && s.ZeroCopy));
        Assert.Equal(16, on.Plan.Values.Values.Count(v => v.AliasOf is not null && on.Plan.Steps[v.Producer].Kind == OpKind.Conv));
        Assert.True(on.Plan.Steps.Single(s => s.Kind == OpKind.Dropout).ZeroCopy);
        Assert.Equal(SlotBytes(on.Plan), on.Plan.ArenaBytes);
    }

    // ---- the activation forms themselves ----

    private static readonly float[] Specials =
        [-0f, 0f, float.NaN, -float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon, 1.5f, -1.5f, 6f, 6.5f, -3e38f, 3e38f, 0.25f, -0.25f, 7f];

    [Theory]
    [InlineData(ActivationKindUnderTest.Relu)]
    [InlineData(ActivationKindUnderTest.LeakyRelu)]
    [InlineData(ActivationKindUnderTest.Clip)]
    public unsafe void FusedActivationFormsAreTheReferenceKernelsBitwise(ActivationKindUnderTest kind)
    {
        // Lengths around the vector widths, so both the vector body and the scalar tail see every special value.
        foreach (int n in new[] { 1, 7, 16, 17, 33, 50 })
        {
            var x = Enumerable.Range(0, n).Select(i => Specials[i % Specials.Length]).ToArray();
            var expected = new float[n];
            var act = kind switch
            {
                ActivationKindUnderTest.Relu => NativeCnn.Runtime.Kernels.FusedActivation.Relu,
                ActivationKindUnderTest.LeakyRelu => new NativeCnn.Runtime.Kernels.FusedActivation(NativeCnn.Runtime.Kernels.ActivationKind.LeakyRelu, Alpha: 0.1f),
                _ => new NativeCnn.Runtime.Kernels.FusedActivation(NativeCnn.Runtime.Kernels.ActivationKind.Clip, Lo: 0f, Hi: 6f),
            };
            switch (kind)
            {
                case ActivationKindUnderTest.Relu:
                    NativeCnn.Runtime.Kernels.ReluReference.Run<float>(x, expected);
                    break;
                case ActivationKindUnderTest.LeakyRelu:
                    NativeCnn.Runtime.Kernels.LeakyReluReference.Run<float>(x, expected, 0.1f);
                    break;
                default:
                    NativeCnn.Runtime.Kernels.ClipReference.Run<float>(x, expected, 0f, 6f);
                    break;
            }

            var y = (float[])x.Clone();
            fixed (float* p = y)
            {
                act.Apply(p, n);
            }

            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), y.Select(BitConverter.SingleToInt32Bits));
            if (kind == ActivationKindUnderTest.Relu)
            {
                // The branch-free scalar form the small-plane and depthwise epilogues use.
                Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), x.Select(v => BitConverter.SingleToInt32Bits(MathF.Max(v, 0f))));
            }
        }
    }

    [Fact]
    public void ReluOfSumIsTheReluReferenceBitwise()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            return;     // the two-instruction form is AVX-512 only
        }

        // Every special value a sum can be (quiet NaNs of both signs and a payload, ±0, ±∞, denormals) in every lane.
        float payloadNaN = BitConverter.Int32BitsToSingle(unchecked((int)0xFFC12345));
        var values = Specials.Append(payloadNaN).Append(-1e-40f).Append(1e-40f).ToArray();
        var expected = new float[values.Length];
        NativeCnn.Runtime.Kernels.ReluReference.Run<float>(values, expected);
        for (int start = 0; start < values.Length; start++)
        {
            var lanes = Enumerable.Range(0, 16).Select(i => values[(start + i) % values.Length]).ToArray();
            var got = NativeCnn.Runtime.Kernels.FusedActivation.ReluOfSum(System.Runtime.Intrinsics.Vector512.Create(lanes));
            for (int i = 0; i < 16; i++)
            {
                int j = (start + i) % values.Length;
                Assert.True(
                    BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(got[i]),
                    $"Relu({values[j]:R} = 0x{BitConverter.SingleToInt32Bits(values[j]):X8}): expected 0x{BitConverter.SingleToInt32Bits(expected[j]):X8}, got 0x{BitConverter.SingleToInt32Bits(got[i]):X8}");
            }
        }
    }

    public enum ActivationKindUnderTest
    {
        Relu,
        LeakyRelu,
        Clip,
    }
}
