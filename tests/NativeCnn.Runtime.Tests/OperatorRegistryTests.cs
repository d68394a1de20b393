using NativeCnn.Runtime.Operators;

namespace NativeCnn.Runtime.Tests;

public class OperatorRegistryTests
{
    [Fact]
    public void EveryOpKindHasExactlyOneOperator()
    {
        var missing = Enum.GetValues<OpKind>().Where(k => OperatorRegistry.Get(k) is null).ToList();
        Assert.True(missing.Count == 0, "op kinds without an operator class: " + string.Join(", ", missing));
    }

    [Theory]
    [InlineData("Conv", "", true)]
    [InlineData("Conv", "ai.onnx", true)]
    [InlineData("conv", "", false)]
    [InlineData("Conv", "com.microsoft", false)]
    [InlineData("NoSuchOp", "", false)]
    public void KindOfMatchesExactNamesInTheDefaultDomain(string opType, string domain, bool known)
    {
        Assert.Equal(known, OperatorRegistry.KindOf(opType, domain) is not null);
    }
}
