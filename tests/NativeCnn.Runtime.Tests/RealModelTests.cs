using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// The pretrained models of the shared assets load, run, and reproduce the outputs stored beside them
/// (<c>test_data_set_N</c>, produced by the assembler's reference implementation) within
/// <see cref="RelativeTolerance"/> of the output's largest magnitude, with fusion on and off.
/// </summary>
public class RealModelTests(ITestOutputHelper output)
{
    /// <summary>Max |ours − reference| ≤ 1e-4 · max |reference|: float32 accumulation order differs from the reference's.</summary>
    private const double RelativeTolerance = 1e-4;

    public static TheoryData<string, bool> Models()
    {
        var data = new TheoryData<string, bool>();
        foreach (var m in new[]
                 {
                     "squeezenet1.1/squeezenet1.1.onnx", "tiny-darknet/tiny_darknet.onnx", "lenet-mnist/lenet_mnist.onnx",
                     "mnist-cnn-pytorch/mnist_cnn_ruiyangju.onnx", "doodlenet/doodlenet.onnx", "charrnn-shakespeare-lstm/charrnn_shakespeare.onnx",
                 })
        {
            data.Add(m, true);
            data.Add(m, false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ReproducesStoredOutputs(string model, bool fusion)
    {
        string path = TestAssets.Path("models", model);
        var graph = OnnxModel.Load(path);
        var sets = Directory.GetDirectories(Path.GetDirectoryName(path)!, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(sets);
        using var session = new InferenceSession(graph, new PlanOptions { Fusion = fusion, Threads = 2 });
        foreach (var set in sets)
        {
            var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensor.Read).ToList();
            var bound = inputs.Select((t, i) => new KeyValuePair<string, Tensor>(t.Name.Length > 0 ? t.Name : graph.Inputs[i].Name, t.Tensor)).ToList();
            var store = session.Run(bound);
            var expectedFiles = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).ToList();
            for (int i = 0; i < expectedFiles.Count; i++)
            {
                var (name, expected) = OnnxTensor.Read(expectedFiles[i]);
                var actual = store[name.Length > 0 ? name : store.Plan.OutputNames[i]];
                Assert.Equal(expected.Shape, actual.Shape);
                var e = expected.ToDoubleArray();
                var a = actual.ToDoubleArray();
                double scale = e.Max(Math.Abs), maxDiff = 0;
                for (int k = 0; k < e.Length; k++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(e[k] - a[k]));
                }

                output.WriteLine($"{model} {Path.GetFileName(set)} {name}: max|diff| {maxDiff:E2}, max|ref| {scale:E2}");
                Assert.True(maxDiff <= RelativeTolerance * scale, $"{model} {Path.GetFileName(set)} output {name}: max|diff| {maxDiff:E3} > {RelativeTolerance} · {scale:E3}");
            }
        }
    }
}
