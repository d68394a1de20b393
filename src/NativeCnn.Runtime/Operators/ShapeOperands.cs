using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// The integer operands of the shape and data-movement operators (shapes, axes, pads, starts/ends, split sizes):
/// attributes in early opsets, plan-time constant inputs in later ones. Both arrive here as <c>long[]</c>.
/// </summary>
internal static class ShapeOperands
{
    /// <summary>The elements of a constant int32/int64 input of rank ≤ 1, or null when the input is absent.</summary>
    public static long[]? IntInput(NodeContext ctx, int i, string what)
    {
        if (!ctx.HasInput(i))
        {
            return null;
        }

        var t = ctx.RequireConstant(i, what);
        if (t.DataType is not (DataType.Int64 or DataType.Int32))
        {
            throw ctx.Error($"input {i} ('{what}') must be int64 or int32, got {t.DataType}");
        }

        if (t.Rank > 1)
        {
            throw ctx.Error($"input {i} ('{what}') must be 1-D, got shape {ShapeUtil.Format(t.Shape)}");
        }

        return t.ToInt64Array();
    }

    /// <summary>Axes normalised against <paramref name="rank"/> (negative counts from the end); duplicates are an error.</summary>
    public static int[] Axes(NodeContext ctx, long[] axes, int rank, string what = "axes")
    {
        var r = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            if (axes[i] < -rank || axes[i] >= rank)
            {
                throw ctx.Error($"{what}[{i}] = {axes[i]} is out of range for rank {rank}");
            }

            r[i] = (int)(axes[i] < 0 ? axes[i] + rank : axes[i]);
            if (Array.IndexOf(r, r[i], 0, i) >= 0)
            {
                throw ctx.Error($"{what} [{string.Join(",", axes)}] name axis {r[i]} twice");
            }
        }

        return r;
    }

    /// <summary>One axis normalised against <paramref name="rank"/>.</summary>
    public static int Axis(NodeContext ctx, long axis, int rank, string what = "axis")
    {
        if (axis < -rank || axis >= rank)
        {
            throw ctx.Error($"{what} {axis} is out of range for rank {rank}");
        }

        return (int)(axis < 0 ? axis + rank : axis);
    }

    /// <summary>A dimension computed in 64 bits, checked to fit the runtime's int dims.</summary>
    public static int Dim(NodeContext ctx, long d, string what)
    {
        if (d < 0 || d > int.MaxValue)
        {
            throw ctx.Error($"{what}: dimension {d} is negative or too large");
        }

        return (int)d;
    }
}
