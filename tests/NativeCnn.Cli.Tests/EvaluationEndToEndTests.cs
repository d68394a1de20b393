using System.Text.Json;
using NativeCnn.Tests;

namespace NativeCnn.Cli.Tests;

/// <summary>
/// In the "cli" collection and through <see cref="CliRunner"/>: eval writes progress to the process-wide console,
/// which another CLI test may be capturing at the same moment (a bench --json capture once failed to parse).
/// </summary>
[Collection("cli")]
public sealed class EvaluationEndToEndTests : IDisposable
{
    private readonly string _out = Directory.CreateTempSubdirectory("nativecnn-eval-").FullName;

    public void Dispose() => Directory.Delete(_out, recursive: true);

    [Fact]
    public void LocalizationOnSixImagesWritesTheReportAndResumes()
    {
        string model = TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        string[] args =
        [
            "eval", "localization", model, "--images", TestAssets.Path("images", "ilsvrc2012-val-227"),
            "--annotations", TestAssets.Path("annotations", "ilsvrc2012-val-227.csv"), "--limit", "6", "--out", _out, "--threads", "1",
        ];
        AssertRuns(args);
        foreach (var f in new[] { "report.md", "report.html", "summary.json", "images/cost-squeezenet1.1.svg" })
        {
            Assert.True(File.Exists(Path.Combine(_out, f)), f);
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")));
        var root = summary.RootElement;
        Assert.Equal(6, root.GetProperty("images").GetInt32());
        foreach (var key in new[] { "top1_cls_error", "top1_loc_error", "gt_known_loc_accuracy", "baseline_center_gt_known_accuracy", "baseline_full_gt_known_accuracy", "offcentre_gt_known_accuracy" })
        {
            double v = root.GetProperty(key).ValueKind == JsonValueKind.Number ? root.GetProperty(key).GetDouble() : double.NaN;
            Assert.True(double.IsNaN(v) || v is >= 0 and <= 1, $"{key} = {v}");
            Assert.True(root.TryGetProperty(key, out _), key);
        }

        int off = root.GetProperty("offcentre_images").GetInt32();
        Assert.InRange(off, 0, 6);
        Assert.True(root.GetProperty("authors").TryGetProperty("vgg16", out _));
        string html = File.ReadAllText(Path.Combine(_out, "report.html"));
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal); // self-contained gallery
        Assert.Contains("<svg", html, StringComparison.Ordinal);

        // resumable: a second run computes nothing new (the cache keeps one line per image)
        string cache = Path.Combine(_out, "cache", "squeezenet1.1.jsonl");
        var before = File.ReadAllLines(cache);
        Assert.Equal(6, before.Length);
        AssertRuns(args);
        Assert.Equal(before, File.ReadAllLines(cache));
        AssertRuns([.. args, "--from-cache"]);
    }

    [Fact]
    public void CostOnSqueezeNetWritesAChart()
    {
        string model = TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        AssertRuns(["eval", "cost", model, "--runs", "2", "--warmup", "0", "--out", _out, "--threads", "1",
            "--images", TestAssets.Path("images", "demo", "skimage", "chelsea.png")]);
        string svg = File.ReadAllText(Path.Combine(_out, "cost-squeezenet1.1.svg"));
        Assert.StartsWith("<svg", svg, StringComparison.Ordinal);
        Assert.Contains("Conv", svg, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "cost.json")));
        var m = json.RootElement[0];
        Assert.True(m.GetProperty("forward_ms").GetDouble() > 0);
        Assert.True(m.GetProperty("backtrack_ms").GetDouble() > 0);
        Assert.Contains("Conv", File.ReadAllText(Path.Combine(_out, "cost.md")), StringComparison.Ordinal);
    }

    private static void AssertRuns(string[] args)
    {
        var (code, output, error) = CliRunner.Run(args);
        Assert.True(code == 0, $"nativecnn {string.Join(' ', args)} exited {code}\n{output}\n{error}");
    }
}
