using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary><see cref="PlanMemory"/> accounts for the budget (weights + arena) and for what kernels keep beside it.</summary>
public sealed class PlanMemoryTests
{
    private static ModelGraph ConvPool(Tensor w)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = 13 } };
        graph.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Initializers["w"] = w;
        var conv = new Node { OpType = "Conv", Name = "c", Inputs = { "x", "w" }, Outputs = { "h" } };
        conv.SetAttribute(AttributeValue.Of("pads", [1L, 1, 1, 1]));
        graph.Nodes.Add(conv);
        var pool = new Node { OpType = "MaxPool", Name = "p", Inputs = { "h" }, Outputs = { "y" } };
        pool.SetAttribute(AttributeValue.Of("kernel_shape", [2L, 2]));
        pool.SetAttribute(AttributeValue.Of("strides", [2L, 2]));
        graph.Nodes.Add(pool);
        graph.Outputs.Add(new ValueInfo { Name = "y" });
        return graph;
    }

    private static PlanMemory Plan(Tensor w, PlanOptions options)
    {
        using var s = new InferenceSession(ConvPool(w), options);
        s.Prepare(new Dictionary<string, int[]> { ["x"] = [1, 64, 24, 24] });
        return PlanMemory.Measure(s.Plan!);
    }

    [Fact]
    public void BudgetIsWeightsPlusArenaWithArgmax()
    {
        var w = Tensor.Create(DataType.Float32, [32, 64, 3, 3]);
        var m = Plan(w, new PlanOptions { Threads = 2, Profile = false });
        Assert.Equal(32 * 64 * 9 * 4, m.WeightBytes);
        // x, h, y and the argmax indices (int32 plane indices, the shape of y), each rounded up to 64 bytes.
        long x = 64 * 24 * 24 * 4, h = 32 * 24 * 24 * 4, y = 32 * 12 * 12 * 4, argmax = 32 * 12 * 12 * 4;
        Assert.Equal(x + h + y + argmax, m.ArenaBytes);
        Assert.Equal(argmax, m.AuxiliaryBytes);
        Assert.Equal(m.WeightBytes + m.ArenaBytes, m.BudgetBytes);
        Assert.Equal(0, m.PlanConstantBytes);
    }

    [Fact]
    public void WinogradKeepsFourTimesTheWeightsAndLowMemoryDoesNot()
    {
        if (KernelIsaSupport.Best == KernelIsa.Scalar)
        {
            return;  // no Winograd kernel on the scalar tier
        }

        var w = Tensor.Create(DataType.Float32, [32, 64, 3, 3]);
        long wBytes = w.Length * 4;
        var winograd = Plan(w, new PlanOptions { Threads = 2, Profile = false, WinogradEverywhere = true });
        Assert.StartsWith("ConvWinogradF4x4", winograd.Kernels[0].Kernel);
        Assert.InRange(winograd.Kernels[0].WeightBytes, 4 * wBytes, 6 * wBytes);   // 6×6 tiles of 3×3 taps, panels padded
        int mr = int.Parse(System.Text.RegularExpressions.Regex.Match(winograd.Kernels[0].Kernel, @"_(\d+)x\d+\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(36 * ((((32 + mr - 1) / mr * mr * 64) + 16) * 4), winograd.Kernels[0].WeightBytes);   // U: 36 packed C_out × C_in (+ alignment slack)
        // V and M (36 × channels × tiles floats each) live in the plan's shared scratch block, not in the kernel.
        long tiles = 6 * 6, vm = 36L * (64 + 32) * tiles * 4;
        Assert.InRange(winograd.SharedScratchBytes, vm, 2 * vm + (1 << 20));
        Assert.True(winograd.Kernels[0].ScratchBytes < 16 * 1024, $"kernel-owned scratch {winograd.Kernels[0].ScratchBytes}");
        Assert.Equal(winograd.BudgetBytes + winograd.PlanConstantBytes + winograd.KernelBytes + winograd.SharedScratchBytes, winograd.TotalBytes);

        var options = new PlanOptions { Threads = 2, Profile = false, WinogradEverywhere = true, AllowWinograd = true, LowMemory = true };
        Assert.False(options.AllowWinograd);
        var low = Plan(w, options);
        Assert.DoesNotContain("Winograd", low.Kernels[0].Kernel);
        Assert.Equal(0, low.Kernels[0].WeightBytes);                                 // packed per call into the shared scratch
    }

    [Fact]
    public unsafe void SharedScratchLaysOutOneStepsBuffersApartAndStepsOverEachOther()
    {
        var pool = new SharedScratch();
        ScratchFloats a, b, c;
        using (SharedScratch.Step(pool))
        {
            a = ScratchFloats.Reserve(100);        // 400 bytes
            b = ScratchFloats.Reserve(10);
        }

        using (SharedScratch.Step(pool))
        {
            c = ScratchFloats.Reserve(1000);
        }

        var own = ScratchFloats.Reserve(5);       // no step open: a buffer of its own
        Assert.True(a.IsShared && b.IsShared && c.IsShared);
        Assert.False(own.IsShared);
        Assert.Equal(4032 + 64, pool.Bytes);      // the larger step (rounded to 64 bytes, plus the guard), not the sum
        Assert.Throws<InvalidOperationException>(() => (nint)a.Pointer);
        pool.Allocate();
        try
        {
            Assert.Equal(0, (nint)a.Pointer % 64);
            Assert.Equal(0, (nint)b.Pointer % 64);
            Assert.True((byte*)b.Pointer >= (byte*)(a.Pointer + 100));                  // one step: apart
            Assert.Equal((nint)a.Pointer, (nint)c.Pointer);                              // steps: over each other
            Assert.True(own.Pointer != null && (nint)own.Pointer % 64 == 0);
        }
        finally
        {
            pool.Free();
        }
    }

    [Fact]
    public void PlanAllocatesItsSharedScratchAndTheSessionReleasesIt()
    {
        var w = Tensor.Create(DataType.Float32, [32, 64, 3, 3]);
        var s = new InferenceSession(ConvPool(w), new PlanOptions { Threads = 2, Profile = false });
        var plan = s.Prepare(new Dictionary<string, int[]> { ["x"] = [1, 64, 24, 24] });
        Assert.True(plan.ScratchBytes > 0);
        Assert.True(plan.Scratch!.IsAllocated);
        s.Dispose();
        Assert.False(plan.Scratch.IsAllocated);
    }

    [Fact]
    public void ResidentSetIsReadOnLinux()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        long rss = ProcessMemory.ResidentBytes()!.Value;
        Assert.True(rss > 1 << 20);
        Assert.True(ProcessMemory.PeakResidentBytes() >= rss);
    }

    private static ModelGraph ConvBn(int channels, int group, Random rng)
    {
        var graph = new ModelGraph { OpsetVersions = { [""] = 15 } };
        graph.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        graph.Outputs.Add(new ValueInfo { Name = "y" });
        graph.Initializers["w"] = Seeded(rng, channels, channels / group, 3, 3);
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

            graph.Initializers[name] = t;
        }

        var conv = new Node { OpType = "Conv", Name = "c", Inputs = { "x", "w" }, Outputs = { "h" } };
        conv.SetAttribute(AttributeValue.Of("pads", [1L, 1, 1, 1]));
        conv.SetAttribute(AttributeValue.Of("group", (long)group));
        graph.Nodes.Add(conv);
        graph.Nodes.Add(new Node { OpType = "BatchNormalization", Name = "bn", Inputs = { "h", "scale", "bias", "mean", "var" }, Outputs = { "y" } });
        return graph;
    }

    private static Tensor Seeded(Random rng, params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        return t;
    }

    /// <summary>
    /// A kernel that packs the BN-folded weight keeps only its packed copy: the plan does not also hold the folded
    /// tensor (the step lists the conv's own weight instead). A kernel that reads its weight input when it runs
    /// (depthwise) keeps it. Both compute what the unfused pair computes.
    /// </summary>
    [Theory]
    [InlineData(16, 1, false, "ConvIm2colSgemm")]
    [InlineData(16, 16, true, "ConvDepthwise")]
    [InlineData(64, 1, false, "ConvRowTile")]
    public void FoldedWeightIsKeptOnlyWhenTheKernelReadsIt(int channels, int group, bool kept, string avx512Kernel)
    {
        var graph = ConvBn(channels, group, new Random(5));
        var x = Seeded(new Random(6), 1, channels, 9, 9);
        using var fused = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false });
        var y = fused.Run(x)["y"].ToDoubleArray();
        var plan = fused.Plan!;
        Assert.Single(plan.Steps);
        if (KernelIsaSupport.Best == KernelIsa.Vector512)
        {
            Assert.StartsWith(avx512Kernel, ((IDescribedKernel)plan.Steps[0].Kernel).KernelName, StringComparison.Ordinal);
        }

        Assert.Equal(kept, plan.Values.ContainsKey("y#folded_W"));
        Assert.True(plan.Values.ContainsKey("y#folded_B"));
        Assert.Equal(kept ? "y#folded_W" : "w", plan.Steps[0].Inputs[1]);
        Assert.Equal((kept ? channels * (channels / group) * 9 * 4 : 0) + (channels * 4), PlanMemory.Measure(plan).PlanConstantBytes);

        using var unfused = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false, Fusion = false });
        var expected = unfused.Run(x)["y"].ToDoubleArray();
        double tolerance = 1e-5 * Math.Max(1, channels / group * 9 / 144.0);   // the fold rounds each of the K products differently: grows with K
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= tolerance + (tolerance * Math.Abs(expected[i])), $"y[{i}] = {y[i]}, unfused {expected[i]}");
        }
    }

    /// <summary>
    /// Every fast conv kernel says whether it reads its weight input (<see cref="IWeightInputReader"/>): one that does
    /// not say is taken to read it, so a new kernel that packs its weights but forgets would keep a folded copy for
    /// nothing (ConvRowTile did, under the type switch this replaced: 33.6 MiB on ResNet-18).
    /// </summary>
    [Fact]
    public void EveryConvKernelSaysWhetherItReadsItsWeightInput()
    {
        var convKernels = typeof(IKernel).Assembly.GetTypes()
            .Where(t => t.Namespace == "NativeCnn.Runtime.Kernels" && t.Name.StartsWith("Conv", StringComparison.Ordinal)
                && typeof(IKernel).IsAssignableFrom(t) && !t.IsAbstract)
            .ToList();
        Assert.Contains(convKernels, t => t.Name == "ConvRowTile");
        Assert.All(convKernels, t => Assert.True(typeof(IWeightInputReader).IsAssignableFrom(t), $"{t.Name} does not implement IWeightInputReader"));
    }

    /// <summary>
    /// A conv that feeds a BatchNormalization is first planned with the reference kernel (it packs nothing, so nothing
    /// is thrown away when the fold replans it); if the fold fails, the conv still ends with its fast kernel.
    /// </summary>
    [Fact]
    public void ConvBeforeABatchNormThatCannotBeFoldedKeepsItsFastKernel()
    {
        var graph = ConvBn(16, 1, new Random(7));
        var scale = graph.Initializers["scale"];
        graph.Initializers.Remove("scale");
        graph.Inputs.Add(new ValueInfo { Name = "scale", DataType = DataType.Float32 });  // not a constant: no fold
        var x = Seeded(new Random(8), 1, 16, 9, 9);
        using var s = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false });
        var y = s.Run([new("x", x), new("scale", scale)])["y"].ToDoubleArray();
        Assert.Equal(2, s.Plan!.Steps.Count);
        Assert.Equal("Conv", s.Plan.Steps[0].Node.OpType);
        Assert.IsAssignableFrom<IDescribedKernel>(s.Plan.Steps[0].Kernel);   // a fast kernel, not the reference one

        using var reference = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false, ReferenceKernels = true });
        var expected = reference.Run([new("x", x), new("scale", scale)])["y"].ToDoubleArray();
        for (int i = 0; i < y.Length; i++)
        {
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 + (1e-5 * Math.Abs(expected[i])), $"y[{i}] = {y[i]}, reference {expected[i]}");
        }

        graph.Initializers["scale"] = scale;
        graph.Inputs.RemoveAt(graph.Inputs.Count - 1);
        using var folded = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false });
        folded.Run(x);
        Assert.Single(folded.Plan!.Steps);
        Assert.IsAssignableFrom<IDescribedKernel>(folded.Plan.Steps[0].Kernel);
    }
}
