using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;
using ValueType = NativeCnn.Runtime.Planning.ValueType;

namespace NativeCnn.Runtime.Tests;

/// <summary>Plans one node with its operator and runs the kernel on owned tensors (no graph, no session).</summary>
internal static class ElementwiseOpRunner
{
    /// <summary>
    /// Runs <paramref name="opType"/> on <paramref name="inputs"/> (null = absent optional input). Inputs whose
    /// index is in <paramref name="constantInputs"/> are visible to the operator as plan-time constants.
    /// Returns one tensor per output (null for absent outputs).
    /// </summary>
    public static Tensor?[] Run(string opType, long opset, Tensor?[] inputs, AttributeValue[]? attributes = null, int outputs = 1, int[]? constantInputs = null)
    {
        var node = new Node
        {
            OpType = opType,
            Name = "n",
            Inputs = inputs.Select((t, i) => t is null ? "" : $"in{i}").ToList(),
            Outputs = Enumerable.Range(0, outputs).Select(i => $"out{i}").ToList(),
        };
        foreach (var a in attributes ?? [])
        {
            node.SetAttribute(a);
        }

        var types = inputs.Select(t => t is null ? null : new ValueType(t.DataType, t.Shape)).ToArray();
        var constants = inputs.Select((t, i) => constantInputs is not null && constantInputs.Contains(i) ? t : null).ToArray();
        var ctx = new NodeContext(node, opset, types, constants, new PlanOptions());
        var op = OperatorRegistry.Get(Enum.Parse<OpKind>(opType)) ?? throw new InvalidOperationException(opType);
        var kernel = op.Plan(ctx);
        var outs = ctx.OutputTypes.Select(vt => vt is null ? null : Tensor.Create(vt.DataType, vt.Shape)).ToArray();
        kernel.Run(new KernelArgs(inputs.Select(t => t?.View ?? default).ToArray(), outs.Select(t => t?.View ?? default).ToArray(), [], 1));
        return outs;
    }

    public static Tensor Run1(string opType, long opset, params Tensor?[] inputs) => Run(opType, opset, inputs)[0]!;

    public static AttributeValue Int(string name, long v) => new() { Name = name, Kind = AttributeKind.Int, Int = v };

    public static AttributeValue Float(string name, float v) => new() { Name = name, Kind = AttributeKind.Float, Float = v };

    public static AttributeValue Ints(string name, params long[] v) => new() { Name = name, Kind = AttributeKind.Ints, Ints = v };

    public static Tensor F(int[] shape, params float[] v) => Tensor.FromArray(v, shape);

    /// <summary>Asserts equal shapes and values within <paramref name="tol"/> (absolute), NaN matching NaN.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, double tol = 1e-6)
    {
        Assert.Equal(expected.DataType, actual.DataType);
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
        {
            bool ok = double.IsNaN(e[i]) ? double.IsNaN(a[i]) : e[i] == a[i] || Math.Abs(e[i] - a[i]) <= tol;
            Assert.True(ok, $"element {i}: expected {e[i]}, got {a[i]}");
        }
    }

    public static void AssertValues(double[] expected, Tensor actual, double tol = 1e-6) =>
        AssertClose(Tensor.FromArray(expected, actual.Shape), Tensor.FromArray(actual.ToDoubleArray(), actual.Shape), tol);
}
