using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Reshape: the same elements (row-major) under the shape given by the constant <c>shape</c> input (opset 5+; the
/// <c>shape</c> attribute before). In the target, <c>-1</c> (at most once) is inferred from the element count and
/// <c>0</c> copies the input's dimension at that position, unless <c>allowzero</c> = 1 (opset 14+), where 0 is a
/// literal zero. Any storable element type.
/// </summary>
[Operator(OpKind.Reshape)]
public sealed class Reshape : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        long[] target = (ctx.Opset >= 5 ? ShapeOperands.IntInput(ctx, 1, "shape") : ctx.Ints("shape"))
            ?? throw ctx.Error("the target shape is missing");
        bool allowZero = ctx.Opset >= 14 && ctx.Int("allowzero", 0) != 0;
        ctx.SetOutput(0, x.DataType, Infer(ctx, x.Shape, target, allowZero));
        return new DelegateKernel(a => CopyReference.Run(a.Inputs[0], a.Outputs[0]));
    }

    /// <summary>The output shape for a Reshape target (0 = copy, -1 = infer), checked against the element count.</summary>
    internal static int[] Infer(NodeContext ctx, int[] input, long[] target, bool allowZero)
    {
        var shape = new int[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long t = target[i];
            if (t == -1)
            {
                if (inferred >= 0)
                {
                    throw ctx.Error($"shape [{string.Join(",", target)}] has more than one -1");
                }

                inferred = i;
                continue;
            }

            if (t == 0 && !allowZero)
            {
                if (i >= input.Length)
                {
                    throw ctx.Error($"shape [{string.Join(",", target)}] copies dimension {i} (0) but the input {ShapeUtil.Format(input)} has rank {input.Length}");
                }

                t = input[i];
            }

            shape[i] = ShapeOperands.Dim(ctx, t, $"shape [{string.Join(",", target)}]");
            known = checked(known * shape[i]);
        }

        long count = ShapeUtil.Product(input);
        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0)
            {
                throw ctx.Error($"cannot infer the -1 in shape [{string.Join(",", target)}] for {count} elements {ShapeUtil.Format(input)}");
            }

            shape[inferred] = ShapeOperands.Dim(ctx, count / known, "inferred dimension");
        }
        else if (known != count)
        {
            throw ctx.Error($"shape [{string.Join(",", target)}] holds {known} elements, the input {ShapeUtil.Format(input)} has {count}");
        }

        return shape;
    }
}
