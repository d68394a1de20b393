using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Fixations.Tests;

/// <summary>Hand cases for the rules that move points between coordinates (Transpose, Split, Slice, Pad, Gather), Reduce, and the Mul family.</summary>
public sealed class IndexRuleTests
{
    private static long[] Input(Net n, string start, long flat, FixationOptions? options = null, Tensor? input = null)
    {
        var (session, store) = n.Run(input: input);
        using (session)
        {
            var r = new Backtracker(options).Backtrack(store, StartPoint.Neuron(start, flat));
            return r[n.Input]?.Indices.ToArray() ?? [];
        }
    }

    private static long Flat(int[] shape, params int[] c) => Enumerable.Range(0, shape.Length).Aggregate(0L, (f, d) => (f * shape[d]) + c[d]);

    private static string I64(Net n, params long[] v) => n.Const(Tensor.FromArray(v, v.Length), "k");

    [Fact]
    public void TransposeMapsCoordinatesThroughPerm()
    {
        var n = new Net(1, "input", 1, 2, 3, 4);
        var y = n.Output(n.Node("Transpose", [n.Input], AttributeValue.Of("perm", new long[] { 0, 2, 3, 1 }))); // [1,3,4,2]
        Assert.Equal([Flat([1, 2, 3, 4], 0, 1, 1, 2)], Input(n, y, Flat([1, 3, 4, 2], 0, 1, 2, 1)));
    }

    [Fact]
    public void TransposeWithoutPermReversesTheAxes()
    {
        var n = new Net(1, "input", 2, 3, 4);
        var y = n.Output(n.Node("Transpose", [n.Input])); // [4,3,2]
        Assert.Equal([Flat([2, 3, 4], 1, 2, 3)], Input(n, y, Flat([4, 3, 2], 3, 2, 1)));
    }

    [Fact]
    public void SplitAddsTheOffsetOfItsOutput()
    {
        var n = new Net(1, "input", 1, 6, 2, 2);
        var node = new Node { OpType = "Split", Name = "split", Inputs = [n.Input, I64(n, 2, 4)], Outputs = ["s0", "s1"] };
        node.SetAttribute(AttributeValue.Of("axis", 1L));
        n.Graph.Nodes.Add(node);
        n.Output("s0");
        n.Output("s1");
        // s1 channel 1 = input channel 3; s0 channel 1 = input channel 1.
        Assert.Equal([Flat([1, 6, 2, 2], 0, 3, 1, 0)], Input(n, "s1", Flat([1, 4, 2, 2], 0, 1, 1, 0)));
        Assert.Equal([Flat([1, 6, 2, 2], 0, 1, 0, 1)], Input(n, "s0", Flat([1, 2, 2, 2], 0, 1, 0, 1)));
    }

    [Fact]
    public void SliceWithNegativeStepsAndClampedStarts()
    {
        var n = new Net(1, "input", 1, 2, 6, 5);
        // H: 1, 3, 5 (start 1, step 2); W: start 100 is clamped to 4, step −2: 4, 2 (end 0 exclusive).
        var y = n.Output(n.Node("Slice", [n.Input, I64(n, 1, 100), I64(n, 6, 0), I64(n, 2, -1), I64(n, 2, -2)]));
        Assert.Equal([Flat([1, 2, 6, 5], 0, 1, 5, 2)], Input(n, y, Flat([1, 2, 3, 2], 0, 1, 2, 1)));
        Assert.Equal([Flat([1, 2, 6, 5], 0, 0, 1, 4)], Input(n, y, Flat([1, 2, 3, 2], 0, 0, 0, 0)));
    }

    [Theory]
    [InlineData("constant", -1, -1)] // the padding came from no input element
    [InlineData("edge", 0, 0)]
    [InlineData("reflect", 1, 2)]
    public void PadMapsPaddingByMode(string mode, int y, int x)
    {
        var n = new Net(1, "input", 1, 1, 3, 3);
        var p = n.Output(n.Node("Pad", [n.Input, I64(n, 0, 0, 1, 2, 0, 0, 1, 2)], AttributeValue.Of("mode", mode))); // [1,1,5,7]
        var got = Input(n, p, 0);
        Assert.Equal(y < 0 ? [] : [Flat([1, 1, 3, 3], 0, 0, y, x)], got);
        // Inside: output (2, 3) is input (1, 1) in every mode.
        Assert.Equal([Flat([1, 1, 3, 3], 0, 0, 1, 1)], Input(n, p, Flat([1, 1, 5, 7], 0, 0, 2, 3)));
    }

    [Fact]
    public void GatherFollowsTheIndexIncludingNegativeOnes()
    {
        var n = new Net(1, "input", 1, 4, 3);
        var g = n.Output(n.Node("Gather", [n.Input, I64(n, 3, -4)], AttributeValue.Of("axis", 1L))); // [1,2,3]
        Assert.Equal([Flat([1, 4, 3], 0, 3, 2)], Input(n, g, Flat([1, 2, 3], 0, 0, 2)));
        Assert.Equal([Flat([1, 4, 3], 0, 0, 1)], Input(n, g, Flat([1, 2, 3], 0, 1, 1)));
    }

    [Fact]
    public void ReduceMaxFindsTheArgmaxAndReduceMeanHonoursTheOption()
    {
        var input = Tensor.Create(DataType.Float32, [1, 2, 3, 3]);
        var s = input.AsSpan<float>();
        s.Fill(-1f);
        s[9 + 6] = 5f;  // channel 1, (2, 0): the max
        s[9 + 1] = 0.5f; // channel 1, (0, 1): positive too
        var n = new Net(1, "input", 1, 2, 3, 3);
        var mx = n.Output(n.Node("ReduceMax", [n.Input], AttributeValue.Of("axes", new long[] { 2, 3 }), AttributeValue.Of("keepdims", 0L)));
        Assert.Equal([15L], Input(n, mx, 1, input: input));

        var m = new Net(1, "input", 1, 2, 3, 3);
        var mean = m.Output(m.Node("ReduceMean", [m.Input], AttributeValue.Of("axes", new long[] { -1, -2 })));
        Assert.Equal([15L], Input(m, mean, 1, new FixationOptions { AveragePool = AveragePoolRule.Argmax }, input));
        Assert.Equal([10L, 15], Input(m, mean, 1, new FixationOptions { AveragePool = AveragePoolRule.AllPositive }, input));
        // Default (Auto): this mean turns a class map into the graph output, so the positions above the mean are kept
        // (the mean is negative here, so that is every positive position).
        Assert.Equal([10L, 15], Input(m, mean, 1, input: input));
        // Channel 0 has no positive element: the argmax (the first of equal values) keeps the path alive.
        Assert.Equal([0L], Input(m, mean, 0, new FixationOptions { AveragePool = AveragePoolRule.AllPositive }, input));
    }

    /// <summary>
    /// Global average pooling, by hand: channel 0 holds 4, 3, 1, 1, 0.5 and zeros (mean 1.0556). Argmax keeps position 0,
    /// all-positive keeps 0–4, above-mean keeps the two positions above the pooled value, 0 and 1.
    /// </summary>
    [Fact]
    public void AveragePoolSelectionsByHand()
    {
        var input = Tensor.Create(DataType.Float32, [1, 1, 3, 3]);
        float[] v = [4f, 3f, 1f, 1f, 0.5f, 0f, 0f, 0f, 0f];
        v.CopyTo(input.AsSpan<float>());
        var n = new Net(1, "input", 1, 1, 3, 3);
        var gap = n.Output(n.Gap(n.Input));
        Assert.Equal([0L], Input(n, gap, 0, new FixationOptions { AveragePool = AveragePoolRule.Argmax }, input));
        Assert.Equal([0L, 1, 2, 3, 4], Input(n, gap, 0, new FixationOptions { AveragePool = AveragePoolRule.AllPositive }, input));
        Assert.Equal([0L, 1], Input(n, gap, 0, new FixationOptions { AveragePool = AveragePoolRule.AboveMean }, input));
    }

    /// <summary>A squeeze-and-excitation gate x · σ(gap(x)): the point follows both operands, broadcasting into the gate.</summary>
    [Fact]
    public void MulFollowsBothOperandsOfAGateWithBroadcasting()
    {
        var n = new Net(1, "input", 1, 2, 3, 3);
        var gate = n.Node("Sigmoid", [n.Gap(n.Input)]); // [1,2,1,1]
        var y = n.Output(n.Node("Mul", [n.Input, gate]));
        var (session, store) = n.Run();
        using (session)
        {
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(y, Flat([1, 2, 3, 3], 0, 1, 2, 2)));
            Assert.Equal([1L], r[gate]!.Indices);
            var x = store[n.Input].ToDoubleArray();
            long argmax = 9 + Enumerable.Range(0, 9).MaxBy(i => x[9 + i]);
            Assert.Equal(new[] { Flat([1, 2, 3, 3], 0, 1, 2, 2), argmax }.Distinct().Order(), r[n.Input]!.Indices);
        }
    }

    [Theory]
    [InlineData("Mul")]
    [InlineData("Sub")]
    [InlineData("Div")]
    [InlineData("Max")]
    [InlineData("Min")]
    public void TheMulFamilyGivesConstantsNothing(string op)
    {
        var n = new Net(1, "input", 1, 2, 2, 2);
        var c = n.Const(Tensor.FromArray(new float[] { 2f, 3f }, 2, 1, 1));
        var relu = n.Relu(n.Input);
        var y = n.Output(n.Node(op, [n.Node(op, [c, n.Input]), relu])); // op(op(const, x), relu(x))
        var (session, store) = n.Run();
        using (session)
        {
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(y, 5));
            Assert.Equal([5L], r[n.Input]!.Indices);
            Assert.Equal([5L], r[relu]!.Indices);
            Assert.Null(r[c]);
        }
    }
}
