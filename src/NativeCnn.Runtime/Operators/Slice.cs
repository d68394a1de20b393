using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Slice: on each listed axis keeps <c>start, start+step, …</c> while before <c>end</c> (numpy semantics).
/// <c>starts</c>, <c>ends</c>, <c>axes</c> are attributes in opsets 1–9 (step 1) and constant inputs from opset 10,
/// with an optional <c>steps</c> input (non-zero, negative walks backwards). Negative starts/ends count from the end
/// of the axis; out-of-range values (e.g. INT64_MAX) are clamped to [0, n] for positive steps and [−1, n−1] for
/// negative ones. Unlisted axes are kept whole. Any storable element type.
/// </summary>
[Operator(OpKind.Slice)]
public sealed class Slice : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var x = ctx.Input(0);
        int rank = x.Shape.Length;
        long[] starts, ends;
        long[]? axesArg, steps;
        if (ctx.Opset >= 10)
        {
            starts = ShapeOperands.IntInput(ctx, 1, "starts") ?? throw ctx.Error("the 'starts' input is required");
            ends = ShapeOperands.IntInput(ctx, 2, "ends") ?? throw ctx.Error("the 'ends' input is required");
            axesArg = ShapeOperands.IntInput(ctx, 3, "axes");
            steps = ShapeOperands.IntInput(ctx, 4, "steps");
        }
        else
        {
            starts = ctx.Ints("starts") ?? throw ctx.Error("the 'starts' attribute is required");
            ends = ctx.Ints("ends") ?? throw ctx.Error("the 'ends' attribute is required");
            axesArg = ctx.Ints("axes");
            steps = null;
        }

        int k = starts.Length;
        int[] axes = axesArg is null ? Enumerable.Range(0, k).ToArray() : ShapeOperands.Axes(ctx, axesArg, rank);
        steps ??= Enumerable.Repeat(1L, k).ToArray();
        if (ends.Length != k || axes.Length != k || steps.Length != k || k > rank)
        {
            throw ctx.Error($"starts, ends, axes and steps must have the same length ≤ rank {rank}: {starts.Length}, {ends.Length}, {axes.Length}, {steps.Length}");
        }

        var inStrides = ShapeUtil.ContiguousStrides(x.Shape);
        var outShape = (int[])x.Shape.Clone();
        var strides = (long[])inStrides.Clone();
        long offset = 0;
        for (int i = 0; i < k; i++)
        {
            int d = axes[i];
            long n = x.Shape[d];
            if (steps[i] == 0)
            {
                throw ctx.Error($"step {i} is 0");
            }

            // A step longer than the axis keeps at most one element either way; clamping it keeps the arithmetic in range.
            long step = Math.Clamp(steps[i], -Math.Max(n, 1), Math.Max(n, 1));

            long s = starts[i] < 0 ? starts[i] + n : starts[i];
            long e = ends[i] < 0 ? ends[i] + n : ends[i];
            long count;
            if (step > 0)
            {
                s = Math.Clamp(s, 0, n);
                e = Math.Clamp(e, 0, n);
                count = e > s ? ((e - s - 1) / step) + 1 : 0;
            }
            else
            {
                s = Math.Clamp(s, -1, n - 1);
                e = Math.Clamp(e, -1, n - 1);
                count = s > e ? ((s - e - 1) / -step) + 1 : 0;
            }

            outShape[d] = (int)count;
            strides[d] = inStrides[d] * step;
            if (count > 0)
            {
                offset += s * inStrides[d];
            }
        }

        ctx.SetOutput(0, x.DataType, outShape);
        var p = new StridedCopyParams(outShape, strides, offset);
        return ctx.Options.ReferenceKernels
            ? new DelegateKernel(a => StridedCopyReference.Run(a.Inputs[0], a.Outputs[0], p))
            : new StridedCopy(p, x.DataType.SizeOf());
    }
}
