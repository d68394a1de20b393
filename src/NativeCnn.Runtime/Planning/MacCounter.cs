using NativeCnn.Runtime.Operators;

namespace NativeCnn.Runtime.Planning;

/// <summary>Multiply-accumulate counts of the heavy operators, for inspection and GFLOP/s figures (1 MAC = 2 FLOP).</summary>
public static class MacCounter
{
    public static long Count(OpKind kind, NodeContext ctx)
    {
        if (ctx.OutputTypes.Count == 0 || ctx.OutputTypes[0] is not { } y)
        {
            return 0;
        }

        long outputs = ShapeUtil.Product(y.Shape);
        switch (kind)
        {
            case OpKind.Conv:
            {
                // Each output element: (C_in / group) · kernel area MACs = W.size / C_out.
                var w = ctx.InputShape(1);
                return outputs * (ShapeUtil.Product(w) / Math.Max(w[0], 1));
            }

            case OpKind.ConvTranspose:
            {
                // Each input element scatters into C_out/group · kernel area outputs.
                var w = ctx.InputShape(1);
                return ShapeUtil.Product(ctx.InputShape(0)) * (ShapeUtil.Product(w) / Math.Max(w[0], 1));
            }

            case OpKind.Gemm:
            {
                var a = ctx.InputShape(0);
                int k = ctx.Int("transA", 0) != 0 ? a[0] : a[1];
                return outputs * k;
            }

            case OpKind.MatMul:
            {
                var a = ctx.InputShape(0);
                return outputs * a[^1];
            }

            case OpKind.LSTM or OpKind.GRU:
            {
                // X: [T,B,I], W: [D, G·H, I], R: [D, G·H, H].
                var x = ctx.InputShape(0);
                var w = ctx.InputShape(1);
                var r = ctx.InputShape(2);
                return (long)x[0] * x[1] * ((long)w[0] * w[1] * w[2] + ((long)r[0] * r[1] * r[2]));
            }

            default:
                return 0;
        }
    }
}
