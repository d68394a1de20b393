using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Unsqueeze: inserts size-1 axes at the listed positions of the output (the <c>axes</c> attribute before opset 13,
/// the constant <c>axes</c> input from 13; negative axes count from the end of the output, rank r + |axes|; any
/// order). Elements unchanged; any storable element type.
/// </summary>
[Operator(OpKind.Unsqueeze)]
public sealed class Unsqueeze : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        long[] axesArg = (ctx.Opset >= 13 ? ShapeOperands.IntInput(ctx, 1, "axes") : ctx.Ints("axes"))
            ?? throw ctx.Error("axes are required");
        int outRank = x.Shape.Length + axesArg.Length;
        int[] axes = ShapeOperands.Axes(ctx, axesArg, outRank);
        var outShape = new int[outRank];
        for (int d = 0, j = 0; d < outRank; d++)
        {
            outShape[d] = Array.IndexOf(axes, d) >= 0 ? 1 : x.Shape[j++];
        }

        ctx.SetOutput(0, x.DataType, outShape);
        return new DelegateKernel(a => CopyReference.Run(a.Inputs[0], a.Outputs[0]));
    }
}
