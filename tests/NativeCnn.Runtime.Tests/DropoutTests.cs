using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class DropoutTests
{
    private static readonly Tensor X = F([2, 2], 1, -2, 3, float.NaN);

    [Fact]
    public void InferenceIsIdentityWithAnAllTrueMask()
    {
        var outs = Run("Dropout", 22, [X], outputs: 2);
        AssertClose(X, outs[0]!);
        Assert.Equal(DataType.Bool, outs[1]!.DataType);
        Assert.All(outs[1]!.AsSpan<bool>().ToArray(), Assert.True);
    }

    [Fact]
    public void Opset7MaskHasTheInputType()
    {
        var outs = Run("Dropout", 7, [X], [Float("ratio", 0.3f)], outputs: 2);
        AssertClose(X, outs[0]!);
        AssertClose(F([2, 2], 1, 1, 1, 1), outs[1]!);
    }

    [Fact]
    public void RatioInputWithoutTrainingModeIsInference()
    {
        AssertClose(X, Run1("Dropout", 13, X, Tensor.Scalar(0.9f)));
    }

    [Fact]
    public void ConstantTrainingModeWithRatioIsUnsupported()
    {
        Assert.Throws<UnsupportedOperatorException>(() =>
            Run("Dropout", 13, [X, Tensor.Scalar(0.5f), Tensor.Scalar(true)], constantInputs: [1, 2]));
    }

    [Fact]
    public void TrainingModeWithRatioZeroIsIdentity()
    {
        var outs = Run("Dropout", 13, [X, Tensor.Scalar(0f), Tensor.Scalar(true)], outputs: 2, constantInputs: [1, 2]);
        AssertClose(X, outs[0]!);
        Assert.All(outs[1]!.AsSpan<bool>().ToArray(), Assert.True);
    }

    [Fact]
    public void RunTimeTrainingModeIsCheckedByTheKernel()
    {
        AssertClose(X, Run1("Dropout", 13, X, Tensor.Scalar(0.5f), Tensor.Scalar(false)));
        Assert.Throws<UnsupportedOperatorException>(() => Run1("Dropout", 13, X, Tensor.Scalar(0.5f), Tensor.Scalar(true)));
    }
}
