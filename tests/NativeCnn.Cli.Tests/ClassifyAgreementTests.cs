using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Imaging;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Cli.Tests;

/// <summary>
/// <c>classify</c>'s pipeline (our decoder, resizer, preset, runtime) on the 1000 ILSVRC2012 validation images of the
/// shared assets, against ONNX Runtime on the very same preprocessed tensors: top-1 agrees on ≥ 99 % of images and the
/// top-1 accuracies against the ground-truth labels differ by ≤ 1 point. Also printed: agreement with the assets'
/// float64 reference (PIL resize), which measures our resizer and decoder rather than the runtime.
/// </summary>
[Collection("cli")]
public class ClassifyAgreementTests(ITestOutputHelper output)
{
    private const double MinimumAgreement = 0.99;
    private const double MaxAccuracyGap = 0.01;
    private const int Chunk = 100;

    [Fact]
    public void SqueezeNetTop1AgreesWithOnnxRuntimeOnTheSameTensors()
    {
        string modelPath = TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        string folder = TestAssets.Path("images", "ilsvrc2012-val-227");
        var entries = File.ReadAllLines(Path.Combine(folder, "dataset.txt")).Where(l => l.Length > 0)
            .Select(l => l.Split(','))
            .Select(p => (File: Path.Combine(folder, p[0].Trim().TrimStart('.', '/')), Label: int.Parse(p[1].Trim(), CultureInfo.InvariantCulture)))
            .ToList();
        Assert.Equal(1000, entries.Count);
        var reference = File.ReadAllLines(TestAssets.Path("reference-results", "squeezenet1.1__ilsvrc2012-val-227__top5.csv")).Skip(1)
            .Select(l => l.Split(',')).ToDictionary(p => p[0], p => int.Parse(p[2].Split(' ')[0], CultureInfo.InvariantCulture), StringComparer.Ordinal);

        using var model = new ImageModel(modelPath, "imagenet-torch", null, 2);
        var ours = new List<int>();
        var ort = new List<int>();
        string dir = CliRunner.TempDir("agreement");
        for (int start = 0; start < entries.Count; start += Chunk)
        {
            var chunk = entries.Skip(start).Take(Chunk).ToList();
            string raw = Path.Combine(dir, "chunk.f32");
            int[] shape = [];
            using (var f = File.Create(raw))
            {
                foreach (var e in chunk)
                {
                    var prediction = model.Predict(ImageIO.Load(e.File));
                    shape = prediction.Input.Shape;
                    f.Write(MemoryMarshal.AsBytes(prediction.Input.Data.AsSpan()));
                    ours.Add(prediction.TopClass);
                }
            }

            ort.AddRange(OrtTop1(modelPath, raw, shape));
        }

        int n = entries.Count;
        double agree = Enumerable.Range(0, n).Count(i => ours[i] == ort[i]) / (double)n;
        double accOurs = Enumerable.Range(0, n).Count(i => ours[i] == entries[i].Label) / (double)n;
        double accOrt = Enumerable.Range(0, n).Count(i => ort[i] == entries[i].Label) / (double)n;
        double agreeRef = Enumerable.Range(0, n).Count(i => reference.TryGetValue(Path.GetFileName(entries[i].File), out int r) && r == ours[i]) / (double)n;
        output.WriteLine($"SqueezeNet 1.1 on {n} ILSVRC2012 val images: top-1 agreement with ONNX Runtime {agree:P1}; " +
            $"top-1 accuracy NativeCnn {accOurs:P1}, ONNX Runtime {accOrt:P1}; agreement with the float64/PIL reference {agreeRef:P1}");
        Assert.True(agree >= MinimumAgreement, $"top-1 agreement with ONNX Runtime {agree:P2} < {MinimumAgreement:P0}");
        Assert.True(Math.Abs(accOurs - accOrt) <= MaxAccuracyGap, $"accuracy {accOurs:P2} vs ONNX Runtime {accOrt:P2}");
    }

    private static IEnumerable<int> OrtTop1(string model, string raw, int[] shape)
    {
        string tool = Path.Combine(TestAssets.RepositoryRoot, "tools", "ort-reference");
        if (!Directory.Exists(Path.Combine(tool, "node_modules", "onnxruntime-node")))
        {
            throw new InvalidOperationException($"onnxruntime-node is not installed: run `cd {tool} && npm ci --ignore-scripts` (.ci/run does)");
        }

        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = tool };
        foreach (var a in new[] { "classify.mjs", "--model", model, "--shape", string.Join(",", shape), "--raw", raw })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "ONNX Runtime classify failed: " + stderr);
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("top")[0].GetInt32()).ToList();
    }
}
