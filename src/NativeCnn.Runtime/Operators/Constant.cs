using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Constant: a value fixed by exactly one attribute: <c>value</c> (a tensor), <c>value_float</c> / <c>value_int</c>
/// (scalars, float32 / int64), <c>value_floats</c> / <c>value_ints</c> (1-D). String and sparse values are not
/// supported. The node has no inputs, so the planner always folds it.
/// </summary>
[Operator(OpKind.Constant)]
public sealed class Constant : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var present = ctx.Node.Attributes.Keys.Where(k => k.StartsWith("value", StringComparison.Ordinal) || k == "sparse_value").ToList();
        if (present.Count != 1)
        {
            throw ctx.Error($"exactly one value attribute is required, found [{string.Join(", ", present)}]");
        }

        Tensor t = present[0] switch
        {
            "value" => ctx.Node.GetTensor("value") ?? throw ctx.Error("attribute 'value' holds no tensor"),
            "value_float" => Tensor.Scalar(ctx.Float("value_float", 0f)),
            "value_int" => Tensor.Scalar(ctx.Int("value_int", 0)),
            "value_floats" => Tensor.FromArray(ctx.Floats("value_floats")!, ctx.Floats("value_floats")!.Length),
            "value_ints" => Tensor.FromArray(ctx.Ints("value_ints")!, ctx.Ints("value_ints")!.Length),
            var name => throw ctx.Unsupported($"Constant with attribute '{name}' (string and sparse constants are not supported)"),
        };

        ctx.SetOutput(0, t.DataType, t.Shape);
        return new DelegateKernel(a => CopyBytes(t, a.Outputs[0]));
    }

    private static unsafe void CopyBytes(Tensor t, TensorView y)
    {
        var src = t.AsBytes();
        src.CopyTo(new Span<byte>((void*)y.Pointer, src.Length));
    }
}
