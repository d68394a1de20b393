using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;
using static NativeCnn.Runtime.Tests.DataMovementTestKit;

namespace NativeCnn.Runtime.Tests;

public class ShapeTests
{
    [Theory]
    [InlineData(null, null, new long[] { 2, 3, 4, 5 })]
    [InlineData(1L, null, new long[] { 3, 4, 5 })]
    [InlineData(-1L, null, new long[] { 5 })]
    [InlineData(null, 1L, new long[] { 2 })]
    [InlineData(1L, -1L, new long[] { 3, 4 })]
    [InlineData(-10L, 10L, new long[] { 2, 3, 4, 5 })]
    [InlineData(3L, 1L, new long[0])]
    public void StartAndEndFromOpset15(long? start, long? end, long[] expected)
    {
        var attrs = new List<AttributeValue>();
        if (start is { } s) attrs.Add(A("start", s));
        if (end is { } e) attrs.Add(A("end", e));
        var y = Run1("Shape", 15, [.. attrs], NodeInput.Data(Iota(2, 3, 4, 5)));
        Assert.Equal(DataType.Int64, y.DataType);
        Assert.Equal([expected.Length], y.Shape);
        Assert.Equal(expected, y.ToInt64Array());
    }

    [Fact]
    public void ShapeOfAnActivationIsFoldedAtPlanTime()
    {
        var plan = Plan(Graph(new Node { OpType = "Shape", Inputs = { "x" }, Outputs = { "s" } }, "s"), [2, 3]);
        Assert.Empty(plan.Steps);
        Assert.Equal(ValueKind.Constant, plan.Values["s"].Kind);
        Assert.Equal([2L, 3], plan.Values["s"].Constant!.ToInt64Array());
    }

    /// <summary>
    /// The exporter idiom for x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze → Concat(·, [-1]) → Reshape.
    /// Everything but the Reshape must fold, and the Reshape must see a constant target shape.
    /// </summary>
    [Fact]
    public void ShapeGatherUnsqueezeConcatReshapeChainFolds()
    {
        var g = new ModelGraph
        {
            OpsetVersions = { [""] = 13 },
            Inputs = { new ValueInfo { Name = "x", DataType = DataType.Float32 } },
            Outputs = { new ValueInfo { Name = "y" } },
            Initializers = { ["zero"] = Tensor.Scalar(0L), ["axes0"] = Tensor.FromArray(new long[] { 0 }, 1), ["minus1"] = Tensor.FromArray(new long[] { -1 }, 1) },
            Nodes =
            {
                new Node { OpType = "Relu", Inputs = { "x" }, Outputs = { "r" } },
                new Node { OpType = "Shape", Inputs = { "r" }, Outputs = { "shape" } },
                new Node { OpType = "Gather", Inputs = { "shape", "zero" }, Outputs = { "n" } },
                new Node { OpType = "Unsqueeze", Inputs = { "n", "axes0" }, Outputs = { "n1" } },
                new Node { OpType = "Concat", Inputs = { "n1", "minus1" }, Outputs = { "target" }, Attributes = { ["axis"] = A("axis", 0L) } },
                new Node { OpType = "Reshape", Inputs = { "r", "target" }, Outputs = { "y" } },
            },
        };

        using var session = new InferenceSession(g, new() { Threads = 1 });
        var x = Iota(2, 3, 4, 5);
        var store = session.Run([new("x", x)]);
        var plan = session.Plan!;

        Assert.Equal([OpKind.Relu, OpKind.Reshape], plan.Steps.Select(s => s.Kind));
        foreach (var v in new[] { "shape", "n", "n1", "target" })
        {
            Assert.Equal(ValueKind.Constant, plan.Values[v].Kind);
        }

        Assert.Equal([2L, -1], plan.Values["target"].Constant!.ToInt64Array());
        Assert.Equal([2, 60], store["y"].Shape);
        Assert.Equal(x.ToDoubleArray(), store["y"].ToDoubleArray());
    }

    private static ModelGraph Graph(Node node, string output) => new()
    {
        OpsetVersions = { [""] = 13 },
        Inputs = { new ValueInfo { Name = "x", DataType = DataType.Float32 } },
        Outputs = { new ValueInfo { Name = output } },
        Nodes = { node },
    };

    private static ExecutionPlan Plan(ModelGraph g, int[] xShape) =>
        Planner.Build(g, new Dictionary<string, int[]> { ["x"] = xShape }, new PlanOptions { Threads = 1 });
}
