using System.Text.Json;
using NativeCnn.Imaging;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Tests;

namespace NativeCnn.Cli.Tests;

[Collection("cli")]
public class ExplainCommandTests
{
    private static string SqueezeNet => TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");

    private static string Cat => TestAssets.Path("images", "demo", "skimage", "chelsea.png");

    [Fact]
    public void ExplainWritesOverlayHeatMapAndJsonWithTheDocumentedFields()
    {
        string dir = CliRunner.TempDir("explain");
        var (code, stdout, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", dir, "--layers", "--threads", "2");
        Assert.True(code == 0, stderr);
        Assert.Contains("Egyptian cat", stdout, StringComparison.Ordinal);

        var overlay = ImageIO.Load(Path.Combine(dir, "chelsea.overlay.png"));
        var source = ImageIO.Load(Cat);
        Assert.Equal((source.Width, source.Height), (overlay.Width, overlay.Height));
        Assert.True(File.Exists(Path.Combine(dir, "chelsea.heatmap.png")));
        Assert.True(File.Exists(Path.Combine(dir, "chelsea.layers.png")));

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "chelsea.fixations.json")));
        var root = json.RootElement;
        foreach (var key in new[] { "model", "image", "width", "height", "class", "label", "score", "points", "rawPoints", "box", "layers", "timing" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing JSON field {key}");
        }

        Assert.Equal(285, root.GetProperty("class").GetInt32()); // Egyptian cat, the reference's top-1 (reference-results/demo_image_predictions.json)
        Assert.Equal(source.Width, root.GetProperty("width").GetInt32());
        var points = root.GetProperty("points").EnumerateArray().Select(p => (X: p[0].GetDouble(), Y: p[1].GetDouble())).ToList();
        var raw = root.GetProperty("rawPoints").GetArrayLength();
        Assert.InRange(points.Count, 2, raw);
        var box = root.GetProperty("box").EnumerateArray().Select(b => b.GetInt32()).ToArray();
        Assert.All(points, p => Assert.True(p.X >= box[0] - 0.5 && p.X <= box[2] + 0.5 && p.Y >= box[1] - 0.5 && p.Y <= box[3] + 0.5, $"point {p} outside box"));
        Assert.InRange(box[0], 0, source.Width - 1);
        Assert.InRange(box[3], 0, source.Height - 1);
        Assert.True(root.GetProperty("timing").GetProperty("forwardMs").GetDouble() > 0);
        Assert.Contains(root.GetProperty("layers").EnumerateArray(), l => l.GetProperty("value").GetString() == "data");
    }

    /// <summary>
    /// <c>--exact</c> (no Winograd kernels) is accepted and explains the same: SqueezeNet 1.1's speed plan has no
    /// Winograd conv (its 3×3 convs have under 64 input channels or 16 tiles), so the fixations are the same points.
    /// </summary>
    [Fact]
    public void ExactKernelsExplainTheSame()
    {
        string fast = CliRunner.TempDir("explain-fast"), exact = CliRunner.TempDir("explain-exact");
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", fast, "--threads", "1");
        Assert.True(code == 0, stderr);
        (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", exact, "--threads", "1", "--exact");
        Assert.True(code == 0, stderr);
        using var a = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(fast, "chelsea.fixations.json")));
        using var b = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(exact, "chelsea.fixations.json")));
        Assert.Equal(285, b.RootElement.GetProperty("class").GetInt32());
        Assert.Equal(a.RootElement.GetProperty("rawPoints").GetRawText(), b.RootElement.GetProperty("rawPoints").GetRawText());
    }

    [Fact]
    public void TopKWritesOneSetOfFilesPerClass()
    {
        string dir = CliRunner.TempDir("topk");
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", dir, "--top", "3");
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(Path.Combine(dir, "chelsea.fixations.json")));
        Assert.True(File.Exists(Path.Combine(dir, "chelsea.rank2.fixations.json")));
        Assert.True(File.Exists(Path.Combine(dir, "chelsea.rank3.overlay.png")));
    }

    [Fact]
    public void UnknownClassIndexIsAClearErrorAndWritesNothing()
    {
        string dir = CliRunner.TempDir("badclass");
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", dir, "--class", "1000");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("--class 1000 is out of range", stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'), l => l.StartsWith("nativecnn:", StringComparison.Ordinal) && l.Contains("error", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void ANeuronStartIsNamedByItsValueAndIndexNotAsAClass()
    {
        string dir = CliRunner.TempDir("neuron");
        var value = OnnxModel.Load(SqueezeNet).Nodes.Last(n => n.OpType == "Conv").Outputs[0];
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", dir, "--value", value, "--index", "4000");
        Assert.True(code == 0, stderr);
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "chelsea.fixations.json")));
        Assert.Equal($"{value}[4000]", json.RootElement.GetProperty("label").GetString());
        Assert.Equal(4000, json.RootElement.GetProperty("class").GetInt32());
    }

    [Fact]
    public void UnknownValueNameIsAClearError()
    {
        string dir = CliRunner.TempDir("badvalue");
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, Cat, "--out", dir, "--value", "no_such_value", "--index", "0");
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("no_such_value", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void ATextFileNamedJpgIsAClearErrorAndOtherImagesStillRun()
    {
        string dir = CliRunner.TempDir("notimage");
        string fake = Path.Combine(dir, "fake.jpg");
        File.WriteAllText(fake, "this is not an image");
        string outDir = Path.Combine(dir, "out");
        var (code, _, stderr) = CliRunner.Run("explain", SqueezeNet, fake, Cat, "--out", outDir);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("fake.jpg", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(outDir, "chelsea.overlay.png")));
        Assert.False(File.Exists(Path.Combine(outDir, "fake.overlay.png")));
        Assert.Equal("this is not an image", File.ReadAllText(fake));
    }

    [Fact]
    public void AModelWithAnOpThatHasNoFixationRuleIsAClearError()
    {
        // ConvTranspose upsampling in front of a classifier: the runtime runs it; the backtracker must refuse loudly
        // (unless a rule exists, in which case the explanation must succeed).
        string dir = CliRunner.TempDir("norule");
        var rng = new Random(7);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var b = new OnnxModelBuilder().Opset(13);
        b.AddInput("x", DataType.Float32, 1, 3, 224, 224);
        b.AddInitializer("w", Tensor.FromArray(Rand(3 * 4 * 2 * 2), 3, 4, 2, 2));
        b.AddNode("ConvTranspose", ["x", "w"], ["up"], Runtime.Graph.AttributeValue.Of("strides", new long[] { 2, 2 }));
        b.AddNode("GlobalAveragePool", ["up"], ["g"]);
        b.AddNode("Flatten", ["g"], ["logits"]);
        b.AddOutput("logits", DataType.Float32, 1, 4);
        string model = Path.Combine(dir, "ct.onnx");
        b.Save(model);
        string outDir = Path.Combine(dir, "out");
        var (code, _, stderr) = CliRunner.Run("explain", model, Cat, "--out", outDir, "--preset", "darknet");
        if (code != 0)
        {
            Assert.Equal(ExitCodes.BadModel, code);
            Assert.Contains("ConvTranspose", stderr, StringComparison.Ordinal);
            Assert.False(Directory.Exists(outDir) && Directory.GetFiles(outDir).Length > 0, "nothing may be written half");
        }
    }
}
