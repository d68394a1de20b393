using NativeCnn.ModelZoo;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Onnx.Tests;

/// <summary>The benchmark model shapes written by bench/NativeCnn.ModelZoo load back through the importer and run.</summary>
public class ModelZooTests
{
    private static ModelGraph RoundTrip(ModelGraph g) => OnnxModel.Load(OnnxWriter.ToBytes(g), null, g.Name);

    private static Tensor RandomInput(int size, int seed)
    {
        var t = Tensor.Create(DataType.Float32, [1, 3, size, size]);
        var rng = new Random(seed);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        return t;
    }

    private static int Count(ModelGraph g, string op) => g.Nodes.Count(n => n.OpType == op);

    [Fact]
    public void Vgg16SmallVariantLoadsRunsAndHasTheLayerStructure()
    {
        var g = RoundTrip(Zoo.Vgg16(imageSize: 64, widthDivisor: 16, fcWidth: 32, classes: 10));
        Assert.Equal(13, Count(g, "Conv"));
        Assert.Equal(15, Count(g, "Relu"));
        Assert.Equal(5, Count(g, "MaxPool"));
        Assert.Equal(3, Count(g, "Gemm"));
        Assert.Equal(1, Count(g, "Flatten"));

        using var session = new InferenceSession(g, new PlanOptions { Fusion = false, Threads = 1 });
        var store = session.Run(RandomInput(64, 1));
        Assert.Equal([1, 10], store["logits"].Shape);
        // Stage outputs halve the image: 64 → 32 → 16 → 8 → 4 → 2; channels 4, 8, 16, 32, 32.
        int[][] pools = [[1, 4, 32, 32], [1, 8, 16, 16], [1, 16, 8, 8], [1, 32, 4, 4], [1, 32, 2, 2]];
        var poolOuts = g.Nodes.Where(n => n.OpType == "MaxPool").Select(n => store[n.Outputs[0]].Shape).ToList();
        Assert.Equal(pools, poolOuts);
        Assert.Equal([32, 128], g.Initializers["classifier.fc6.weight"].Shape);
        AssertLogitsSpread(store["logits"]);
    }

    [Fact]
    public void ResNet18SmallVariantLoadsRunsAndFusionKeepsTheLogits()
    {
        var g = RoundTrip(Zoo.ResNet18(imageSize: 64, widthDivisor: 16, classes: 10));
        Assert.Equal(20, Count(g, "Conv")); // stem + 16 in blocks + 3 downsample
        Assert.Equal(20, Count(g, "BatchNormalization"));
        Assert.Equal(8, Count(g, "Add"));
        Assert.Equal(1, Count(g, "GlobalAveragePool"));
        Assert.Equal(3, g.Nodes.Count(n => n.OpType == "Conv" && n.Attributes["kernel_shape"].Ints![0] == 1));

        var input = RandomInput(64, 2);
        using var plain = new InferenceSession(g, new PlanOptions { Fusion = false, Threads = 1 });
        var a = plain.Run(input);
        Assert.Equal([1, 4, 16, 16], a[g.Nodes.Single(n => n.OpType == "MaxPool").Outputs[0]].Shape);
        Assert.Equal([1, 32, 2, 2], a[g.Nodes.Single(n => n.OpType == "GlobalAveragePool").Inputs[0]].Shape);
        Assert.Equal([1, 10], a["logits"].Shape);
        AssertLogitsSpread(a["logits"]);

        using var fused = new InferenceSession(g, new PlanOptions { Fusion = true, Threads = 2 });
        var b = fused.Run(input);
        var la = a["logits"].Span<float>();
        var lb = b["logits"].Span<float>();
        for (int i = 0; i < la.Length; i++)
        {
            // BN folded into the conv reorders the arithmetic; 1e-4 relative covers 20 layers of float rounding.
            Assert.True(MathF.Abs(la[i] - lb[i]) <= 1e-4f * (1 + MathF.Abs(la[i])), $"logit {i}: {la[i]} vs {lb[i]}");
        }
    }

    [Fact]
    public void FullSizeResNet18HasTheTorchvisionParameterCountAndMacs()
    {
        var g = Zoo.ResNet18();
        // torchvision's 11,689,512 trainable parameters plus the BatchNormalization running mean and variance
        // (2 × 4,800 channels), which ONNX stores as initializers too.
        Assert.Equal(11_689_512 + 2 * 4_800, Zoo.ParameterCount(g));
        var plan = Planner.Build(g, new Dictionary<string, int[]> { ["input"] = [1, 3, 224, 224] }, new PlanOptions { Fusion = false, Threads = 1 });
        Assert.Equal([1, 1000], plan.Values["logits"].Type.Shape);
        long convMacs = plan.Steps.Where(s => s.Node.OpType == "Conv").Sum(s => s.Macs);
        // 1.814 G multiply-accumulates in the convolutions (the usual "1.8 GFLOPs" of ResNet-18).
        Assert.InRange(convMacs, 1_810_000_000L, 1_820_000_000L);
    }

    [Fact]
    public void Vgg16ParameterCountMatchesConfigurationDAtFullWidth()
    {
        // Full-width convs on a 32×32 image with fc 4096 → only fc6's fan-in (512·1·1) differs from 224×224 (512·7·7).
        var g = Zoo.Vgg16(imageSize: 32);
        long fc6Difference = 4096L * 512 * (49 - 1);
        Assert.Equal(138_357_544, Zoo.ParameterCount(g) + fc6Difference);
    }

    [Fact]
    public void WeightsAreSeeded()
    {
        var a = Zoo.ResNet18(imageSize: 32, widthDivisor: 32, classes: 4, seed: 5);
        var b = Zoo.ResNet18(imageSize: 32, widthDivisor: 32, classes: 4, seed: 5);
        var c = Zoo.ResNet18(imageSize: 32, widthDivisor: 32, classes: 4, seed: 6);
        Assert.Equal(OnnxWriter.ToBytes(a), OnnxWriter.ToBytes(b));
        Assert.NotEqual(a.Initializers["conv1.weight"].AsSpan<float>().ToArray(), c.Initializers["conv1.weight"].AsSpan<float>().ToArray());
    }

    private static void AssertLogitsSpread(TensorView logits)
    {
        var v = logits.Span<float>().ToArray();
        Assert.All(v, x => Assert.True(float.IsFinite(x)));
        // He-scaled weights keep the signal alive through the depth: the logits are not all equal (or all zero).
        Assert.True(v.Max() - v.Min() > 1e-3f, $"logits collapsed: {string.Join(", ", v)}");
    }
}
