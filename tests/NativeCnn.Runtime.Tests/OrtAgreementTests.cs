using System.Diagnostics;
using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// The real models agree with ONNX Runtime (onnxruntime-node 1.30.0, run by tools/ort-reference at test time) on
/// the same inputs: every graph output, and for the CNNs every intermediate value (ORT asked for all of them as extra
/// graph outputs, NativeCnn planned without fusion so every ONNX value is computed as the model defines it).
/// Needs Node.js and <c>npm ci --ignore-scripts</c> in tools/ort-reference (.ci/run does it); fails loudly otherwise.
/// </summary>
public class OrtAgreementTests(ITestOutputHelper output)
{
    /// <summary>Max |ours − ORT| ≤ 1e-4 · max |ORT| per value: float32 sums in another order.</summary>
    private const double RelativeTolerance = 1e-4;

    public static TheoryData<string, bool> Models() => new()
    {
        { "squeezenet1.1/squeezenet1.1.onnx", true },
        { "tiny-darknet/tiny_darknet.onnx", true },
        { "lenet-mnist/lenet_mnist.onnx", true },
        { "mnist-cnn-pytorch/mnist_cnn_ruiyangju.onnx", true },
        { "doodlenet/doodlenet.onnx", true },
        { "charrnn-shakespeare-lstm/charrnn_shakespeare.onnx", false },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryValueAgreesWithOnnxRuntime(string model, bool allValues)
    {
        string path = TestAssets.Path("models", model);
        string set = Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0");
        string dir = Path.Combine(Path.GetTempPath(), "nativecnn-ort", Path.GetFileNameWithoutExtension(path) + (allValues ? "-all" : ""));
        Directory.CreateDirectory(dir);
        RunOrt(path, set, dir, allValues);

        var graph = OnnxModel.Load(path);
        using var session = new InferenceSession(graph, new PlanOptions { Fusion = false, Threads = 2 });
        var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensor.Read)
            .Select((t, i) => new KeyValuePair<string, Tensor>(t.Name.Length > 0 ? t.Name : graph.Inputs[i].Name, t.Tensor)).ToList();
        var store = session.Run(inputs);

        int compared = 0;
        foreach (var file in Directory.GetFiles(dir, "output_*.pb"))
        {
            var (name, expected) = OnnxTensor.Read(file);
            Assert.True(store.TryGet(name, out var actual), $"ORT value '{name}' is not in NativeCnn's store");
            Assert.Equal(expected.Shape, actual.Shape);
            var e = expected.ToDoubleArray();
            var a = actual.ToDoubleArray();
            double scale = e.Length == 0 ? 0 : e.Max(Math.Abs), diff = 0;
            for (int k = 0; k < e.Length; k++)
            {
                diff = Math.Max(diff, Math.Abs(e[k] - a[k]));
            }

            Assert.True(diff <= RelativeTolerance * scale + 1e-30, $"{model} value '{name}': max|diff| {diff:E3} > {RelativeTolerance} · {scale:E3}");
            compared++;
        }

        output.WriteLine($"{model}: {compared} values agree with ONNX Runtime");
        Assert.True(allValues ? compared > graph.Nodes.Count / 2 : compared >= graph.Outputs.Count, $"only {compared} values compared");
    }

    private static void RunOrt(string model, string set, string outDir, bool all)
    {
        string tool = Path.Combine(TestAssets.RepositoryRoot, "tools", "ort-reference");
        if (!Directory.Exists(Path.Combine(tool, "node_modules", "onnxruntime-node")))
        {
            throw new InvalidOperationException($"onnxruntime-node is not installed: run `cd {tool} && npm ci --ignore-scripts` (.ci/run does)");
        }

        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = tool };
        foreach (var a in new[] { "reference.mjs", "--model", model, "--out", outDir, "--data-set", set })
        {
            psi.ArgumentList.Add(a);
        }

        if (all)
        {
            psi.ArgumentList.Add("--all");
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start node (is Node.js installed?)");
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"ONNX Runtime reference failed for {model}: {stderr}");
    }
}
