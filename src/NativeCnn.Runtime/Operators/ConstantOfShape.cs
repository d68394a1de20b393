using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// ConstantOfShape: a tensor of the shape given by the int64 input, every element equal to the one-element
/// <c>value</c> attribute (default float32 0). The shape must be known when the plan is built, so the node is folded.
/// </summary>
[Operator(OpKind.ConstantOfShape)]
public sealed class ConstantOfShape : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        ctx.ExpectType(0, DataType.Int64);
        var dims = ctx.RequireConstant(0, "shape").ToInt64Array();
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            shape[i] = dims[i] is >= 0 and <= int.MaxValue ? (int)dims[i] : throw ctx.Error($"dimension {dims[i]} of the shape input is out of range");
        }

        var value = ctx.Node.GetTensor("value") ?? Tensor.Scalar(0f);
        if (value.Length != 1)
        {
            throw ctx.Error($"attribute 'value' must hold one element, got {ShapeUtil.Format(value.Shape)}");
        }

        ctx.SetOutput(0, value.DataType, shape);
        return new DelegateKernel(a => Fill(value, a.Outputs[0]));
    }

    private static unsafe void Fill(Tensor value, TensorView y)
    {
        var element = value.AsBytes();
        int size = element.Length;
        long n = y.Length;
        byte* p = (byte*)y.Pointer;
        for (long i = 0; i < n; i++)
        {
            element.CopyTo(new Span<byte>(p + (i * size), size));
        }
    }
}
