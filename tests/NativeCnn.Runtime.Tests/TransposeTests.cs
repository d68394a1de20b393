using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class TransposeTests
{
    [Fact]
    public void DefaultReversesTheAxes()
    {
        // [2,3] = [[0,1,2],[3,4,5]] → [[0,3],[1,4],[2,5]].
        var y = Run1("Transpose", 13, [], NodeInput.Data(Iota(2, 3)));
        Assert.Equal([3, 2], y.Shape);
        Assert.Equal([0, 3, 1, 4, 2, 5], y.ToDoubleArray());
    }

    [Fact]
    public void PermOfThreeAxes()
    {
        // x[a,b,c] = 12a + 4b + c, shape [2,3,4]; perm (1,2,0): y[b,c,a] = x[a,b,c].
        var y = Run1("Transpose", 13, [A("perm", 1L, 2L, 0L)], NodeInput.Data(Iota(2, 3, 4)));
        Assert.Equal([3, 4, 2], y.Shape);
        var v = y.ToDoubleArray();
        for (int a = 0; a < 2; a++)
        {
            for (int b = 0; b < 3; b++)
            {
                for (int c = 0; c < 4; c++)
                {
                    Assert.Equal((12 * a) + (4 * b) + c, v[(b * 8) + (c * 2) + a]);
                }
            }
        }
    }

    [Fact]
    public void Int64AndHalf()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        Assert.Equal([1L, 3, 2, 4], Run1("Transpose", 13, [], NodeInput.Data(x)).ToInt64Array());
        var h = Tensor.FromArray(new[] { (Half)1, (Half)2 }, 1, 2);
        Assert.Equal([2, 1], Run1("Transpose", 13, [], NodeInput.Data(h)).Shape);
    }

    [Fact]
    public void BadPermIsAModelError()
    {
        Assert.Throws<InvalidModelException>(() => Run1("Transpose", 13, [A("perm", 0L, 0L)], NodeInput.Data(Iota(2, 3))));
    }
}
