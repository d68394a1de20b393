using NativeCnn.Onnx;
using NativeCnn.Tests;

namespace NativeCnn.Cli.Tests;

[Collection("cli")]
public class RunAndInspectTests
{
    [Fact]
    public void RunReproducesAConformanceCaseInTheNodeTestLayout()
    {
        string c = TestAssets.Path("onnx-node-tests", "node", "test_conv_with_strides_padding");
        string dir = CliRunner.TempDir("run");
        var (code, _, stderr) = CliRunner.Run("run", Path.Combine(c, "model.onnx"), "--input", Path.Combine(c, "test_data_set_0", "input_0.pb"),
            "--input", Path.Combine(c, "test_data_set_0", "input_1.pb"), "--out", dir, "--all-values");
        Assert.True(code == 0, stderr);
        var (expectedName, expected) = OnnxTensor.Read(Path.Combine(c, "test_data_set_0", "output_0.pb"));
        var (name, actual) = OnnxTensor.Read(Path.Combine(dir, "output_0.pb"));
        Assert.Equal(expectedName, name);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToDoubleArray(), actual.ToDoubleArray(), (a, b) => Math.Abs(a - b) <= 1e-7 + (1e-3 * Math.Abs(b)));
        Assert.True(File.Exists(Path.Combine(dir, "values", "index.tsv")));
    }

    [Fact]
    public void RunRejectsTheWrongNumberOfInputs()
    {
        string c = TestAssets.Path("onnx-node-tests", "node", "test_conv_with_strides_padding");
        var (code, _, stderr) = CliRunner.Run("run", Path.Combine(c, "model.onnx"), "--input", Path.Combine(c, "test_data_set_0", "input_0.pb"), "--out", CliRunner.TempDir("run1"));
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("2 input(s)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectListsNodesShapesAndMacs()
    {
        var (code, stdout, stderr) = CliRunner.Run("inspect", TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx"));
        Assert.True(code == 0, stderr);
        Assert.Contains("Conv", stdout, StringComparison.Ordinal);
        Assert.Contains("[1,1000]", stdout, StringComparison.Ordinal);
        Assert.Matches(@"parameters 1,23\d,\d{3}", stdout); // SqueezeNet 1.1 has 1,235,496 parameters
    }

    [Fact]
    public void RandomBytesAsAModelIsOneClearLineAndExitCode2()
    {
        string dir = CliRunner.TempDir("junk");
        string junk = Path.Combine(dir, "junk.onnx");
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        File.WriteAllBytes(junk, bytes);
        var (code, _, stderr) = CliRunner.Run("inspect", junk);
        Assert.Equal(ExitCodes.BadModel, code);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("junk.onnx", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UsageErrorsExitWith1()
    {
        var (code, _, _) = CliRunner.Run("explain");
        Assert.Equal(ExitCodes.Usage, code);
    }
}
