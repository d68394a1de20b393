using NativeCnn.ConvertWeights;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;

namespace NativeCnn.Onnx.Tests;

public class ConvertWeightsTests
{
    [Fact]
    public void ExternalAndBackGiveTheSameOutputsBitForBit()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nativecnn-convert", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string source = TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        string ext = Path.Combine(dir, "ext.onnx"), back = Path.Combine(dir, "back.onnx");

        int moved = WeightConverter.Convert(source, ext, external: true);
        int large = OnnxModel.Load(source).Initializers.Values.Count(t => t.Length * t.DataType.SizeOf() >= 1024);
        Assert.Equal(large, moved);
        Assert.True(new FileInfo(ext).Length < 100_000, "the weights should have left the model file");
        Assert.True(new FileInfo(ext + ".data").Length > 4_000_000);
        Assert.Equal(0, WeightConverter.Convert(ext, back, external: false));
        Assert.False(File.Exists(back + ".data"));

        var input = OnnxTensor.Read(TestAssets.Path("models", "squeezenet1.1", "test_data_set_3", "input_0.pb")).Tensor;
        double[] Run(string model)
        {
            using var s = new InferenceSession(OnnxModel.Load(model), new PlanOptions { Threads = 1 });
            return s.Run(input)["logits"].ToDoubleArray();
        }

        var expected = Run(source);
        Assert.Equal(expected, Run(ext));
        Assert.Equal(expected, Run(back));
    }

    [Fact]
    public void RefusesToOverwriteItsSource()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nativecnn-convert", Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string copy = Path.Combine(dir, "m.onnx");
        File.Copy(TestAssets.Path("models", "lenet-mnist", "lenet_mnist.onnx"), copy);
        long before = new FileInfo(copy).Length;
        Assert.Throws<IOException>(() => WeightConverter.Convert(copy, copy, external: true));
        Assert.Equal(before, new FileInfo(copy).Length);

        // The data file of a converted model is protected too: writing over it would destroy the source's weights.
        string ext = Path.Combine(dir, "e.onnx");
        WeightConverter.Convert(copy, ext, external: true);
        string dataSibling = Path.Combine(dir, "e.onnx.data");
        File.Move(ext, Path.Combine(dir, "src.onnx"));
        var ex = Assert.Throws<IOException>(() => WeightConverter.Convert(Path.Combine(dir, "src.onnx"), ext, external: true));
        Assert.Contains("e.onnx.data", ex.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(dataSibling));
    }
}
