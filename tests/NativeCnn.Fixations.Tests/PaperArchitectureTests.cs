using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The ONNX model zoo graphs of the paper's architectures (onnx-node-tests/light: AlexNet, ZFNet, VGG-19, GoogLeNet =
/// Inception v1, Inception v2, ResNet-50, DenseNet-121, SqueezeNet, ShuffleNet; weights replaced by ConstantOfShape)
/// import, plan, run, and backtrack from the top-1 class to the image with both option sets, with fusion on and off:
/// every op kind on their paths has a rule, and the path ends on the input.
/// </summary>
public class PaperArchitectureTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models() =>
    [
        "light_bvlc_alexnet", "light_zfnet512", "light_vgg19", "light_inception_v1", "light_inception_v2",
        "light_resnet50", "light_densenet121", "light_squeezenet", "light_shufflenet",
    ];

    [Theory]
    [MemberData(nameof(Models))]
    public void BacktracksFromTheTopClassToTheImage(string name)
    {
        var graph = OnnxModel.Load(TestAssets.Path("onnx-node-tests", "light", name + ".onnx"));
        var declared = graph.Inputs.Single().Shape!;
        int[] shape = declared.Select(d => d.IsKnown ? (int)d.Value : 1).ToArray();
        var rng = new Random(11);
        var data = new float[ShapeUtil.Product(shape)];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)rng.NextDouble();
        }

        var input = Tensor.FromArray(data, shape);
        foreach (bool fusion in new[] { true, false })
        {
            using var session = new InferenceSession(graph, new PlanOptions { Fusion = fusion, Threads = 2 });
            var store = session.Run(input);
            foreach (var options in new[] { new FixationOptions(), new FixationOptions { ConvLocation = ConvLocation.ArgmaxInWindow, FcAfterFlatten = FcAfterFlatten.AllPositive, AveragePool = AveragePoolRule.AllPositive } })
            {
                var r = new Backtracker(options).Backtrack(store);
                Assert.Equal(graph.Inputs[0].Name, r.InputName);
                Assert.NotEmpty(r.InputPoints);
                Assert.All(r.InputPoints, p => Assert.True(p.Y >= 0 && p.Y < shape[2] && p.X >= 0 && p.X < shape[3], $"{p} outside the input"));
                output.WriteLine($"{name} fusion={fusion} {options.AveragePool}: {r.Values.Count} values on the path, {r.InputPoints.Count} input points, " +
                    $"backtrack {r.TotalMilliseconds:F2} ms, forward {session.LastRunMilliseconds:F1} ms");
            }
        }
    }
}
