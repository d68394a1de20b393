using System.Text.Json;
using NativeCnn.Tests;

namespace NativeCnn.Cli.Tests;

[Collection("cli")]
public class ClassifyCommandTests
{
    [Fact]
    public void JsonOutputHasStableFieldsAndTheReferenceTop1()
    {
        var (code, stdout, stderr) = CliRunner.Run("classify", TestAssets.Path("models", "tiny-darknet", "tiny_darknet.onnx"),
            TestAssets.Path("images", "demo", "skimage", "chelsea.png"), "--top", "3", "--json");
        Assert.True(code == 0, stderr);
        var line = stdout.Trim().Split('\n').Single();
        using var doc = JsonDocument.Parse(line);
        var top = doc.RootElement.GetProperty("top").EnumerateArray().ToList();
        Assert.Equal(3, top.Count);
        Assert.EndsWith("chelsea.png", doc.RootElement.GetProperty("image").GetString(), StringComparison.Ordinal);
        // reference-results/demo_image_predictions.json: Tiny Darknet's top-1 on chelsea is darknet index 7 (Egyptian cat).
        Assert.Equal(7, top[0].GetProperty("class").GetInt32());
        Assert.Equal("Egyptian cat", top[0].GetProperty("label").GetString());
        Assert.True(top[0].GetProperty("score").GetSingle() >= top[1].GetProperty("score").GetSingle());
    }

    [Fact]
    public void MnistDigitsAreClassifiedWithTheLeNetPreset()
    {
        string dir = CliRunner.TempDir("mnist");
        // A hand-drawn "1": a vertical white bar on black, 28×28 grey PGM.
        var pixels = new byte[28 * 28];
        for (int y = 4; y < 24; y++)
        {
            for (int x = 13; x < 16; x++)
            {
                pixels[(y * 28) + x] = 255;
            }
        }

        string file = Path.Combine(dir, "one.pgm");
        File.WriteAllBytes(file, [.. "P5\n28 28\n255\n"u8.ToArray(), .. pixels]);
        var (code, stdout, stderr) = CliRunner.Run("classify", TestAssets.Path("models", "lenet-mnist", "lenet_mnist.onnx"), file, "--json", "--top", "1");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout.Trim());
        Assert.Equal(1, doc.RootElement.GetProperty("top")[0].GetProperty("class").GetInt32());
    }
}
