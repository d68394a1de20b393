using static NativeCnn.Runtime.Tests.DataMovementTestKit;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Tests;

public class ConstantTests
{
    [Fact]
    public void TensorValue()
    {
        var t = Tensor.FromArray(new sbyte[] { 1, -2, 3 }, 3, 1);
        var y = Run1("Constant", 13, [AttributeValue.Of("value", t)]);
        Assert.Equal(DataType.Int8, y.DataType);
        Assert.Equal([3, 1], y.Shape);
        Assert.Equal([1.0, -2, 3], y.ToDoubleArray());
    }

    [Fact]
    public void ScalarAndListAttributes()
    {
        var f = Run1("Constant", 13, [A("value_float", 2.5f)]);
        Assert.Equal(DataType.Float32, f.DataType);
        Assert.Empty(f.Shape);
        Assert.Equal([2.5], f.ToDoubleArray());

        var i = Run1("Constant", 13, [A("value_ints", 4L, 5L)]);
        Assert.Equal(DataType.Int64, i.DataType);
        Assert.Equal([4L, 5], i.ToInt64Array());

        var fs = Run1("Constant", 13, [AttributeValue.Of("value_floats", new[] { 1f, 2f })]);
        Assert.Equal([2], fs.Shape);
        Assert.Equal([7L], Run1("Constant", 13, [A("value_int", 7L)]).ToInt64Array());
    }

    [Fact]
    public void StringsAreUnsupportedAndTwoValuesAreAnError()
    {
        Assert.Throws<UnsupportedOperatorException>(() => Run1("Constant", 13, [A("value_string", "a")]));
        Assert.Throws<InvalidModelException>(() => Run1("Constant", 13, [A("value_int", 1L), A("value_float", 1f)]));
    }
}
