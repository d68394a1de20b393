using NativeCnn.Runtime.Graph;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

public class BatchNormalizationTests
{
    [Fact]
    public void NormalisesPerChannel()
    {
        // c0: (x − 1)/2·1 + 0; c1: (x − 3)/0.5·2 + 1.
        var r = Run("BatchNormalization", [F([1, 2, 3, 4], 1, 2, 1, 2), F([1, 2], 2), F([0, 1], 2), F([1, 3], 2), F([4, 0.25f], 2)],
            [AttributeValue.Of("epsilon", 0f)], opset: 15);
        Assert.Equal([0.0, 0.5, 1, 5], r["out0"]);
    }

    [Fact]
    public void EpsilonIsAddedToTheVariance()
    {
        var r = Run("BatchNormalization", [F([3], 1, 1), F([1], 1), F([0], 1), F([0], 1), F([0.5f], 1)], [AttributeValue.Of("epsilon", 0.5f)], opset: 9);
        Assert.Equal([3.0], r["out0"]);
    }

    [Fact]
    public void SpatialZeroBeforeOpset9UsesPerElementParameters()
    {
        var r = Run("BatchNormalization", [F([1, 2, 3, 4], 1, 2, 2), F([1, 1, 1, 1], 2, 2), F([0, 0, 0, 0], 2, 2), F([1, 2, 3, 4], 2, 2), F([1, 1, 1, 1], 2, 2)],
            [I("spatial", 0), AttributeValue.Of("epsilon", 0f)], opset: 7);
        Assert.Equal([0.0, 0, 0, 0], r["out0"]);
    }

    [Fact]
    public void TrainingModeIsUnsupported()
    {
        var one = F([1], 1);
        Assert.Throws<UnsupportedOperatorException>(() =>
            Run("BatchNormalization", [F([1, 2], 2, 1), one, one, one, one], [I("training_mode", 1)], opset: 15));
    }
}
