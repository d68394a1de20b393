using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Reads the window attributes shared by Conv and the pools (<c>strides</c>, <c>dilations</c>, <c>pads</c>,
/// <c>auto_pad</c>, <c>ceil_mode</c>) and resolves them into a <see cref="WindowGeometry"/>:
/// <list type="bullet">
/// <item>NOTSET: <c>out = floor((in + pb + pe − ((k−1)·d+1)) / s) + 1</c> (ceil with <c>ceil_mode</c>, dropping a
/// last window that would start inside the end padding);</item>
/// <item>VALID: no padding, <c>out = floor((in − ((k−1)·d+1)) / s) + 1</c>;</item>
/// <item>SAME_UPPER / SAME_LOWER: <c>out = ceil(in / s)</c>, total padding <c>max(0, (out−1)·s + (k−1)·d + 1 − in)</c>
/// split with the odd element at the end (UPPER) or at the beginning (LOWER).</item>
/// </list>
/// </summary>
internal static class WindowAttributes
{
    public static WindowGeometry Resolve(NodeContext ctx, int[] inputSpatial, int[] kernel, bool ceilMode, bool allowDilations = true)
    {
        int r = inputSpatial.Length;
        if (r is < 1 or > 3)
        {
            throw ctx.Unsupported($"{r} spatial axes (only 1 to 3 are supported)");
        }

        if (kernel.Length != r)
        {
            throw ctx.Error($"kernel has {kernel.Length} spatial axes but the input has {r}");
        }

        foreach (int k in kernel)
        {
            if (k < 1)
            {
                throw ctx.Error($"kernel shape {ShapeUtil.Format(kernel)} has a non-positive entry");
            }
        }

        int[] strides = PerAxis(ctx, "strides", r, 1, 1);
        int[] dilations = allowDilations ? PerAxis(ctx, "dilations", r, 1, 1) : Ones(r);
        string autoPad = ctx.String("auto_pad", "NOTSET");
        var pb = new int[r];
        var pe = new int[r];
        var output = new int[r];
        for (int a = 0; a < r; a++)
        {
            int effK = ((kernel[a] - 1) * dilations[a]) + 1;
            int input = inputSpatial[a];
            switch (autoPad)
            {
                case "NOTSET" or "":
                {
                    var pads = ctx.Ints("pads");
                    if (pads is not null && pads.Length != 2 * r)
                    {
                        throw ctx.Error($"pads has {pads.Length} entries; expected {2 * r}");
                    }

                    pb[a] = pads is null ? 0 : Checked(ctx, pads[a], "pads", 0);
                    pe[a] = pads is null ? 0 : Checked(ctx, pads[a + r], "pads", 0);
                    int span = input + pb[a] + pe[a] - effK;
                    if (span < 0)
                    {
                        throw ctx.Error($"axis {a}: the window ({effK} with dilation) is larger than the padded input ({input + pb[a] + pe[a]})");
                    }

                    output[a] = ceilMode ? WindowGeometry.CeilDiv(span, strides[a]) + 1 : (span / strides[a]) + 1;
                    if (ceilMode && (output[a] - 1) * strides[a] >= input + pb[a])
                    {
                        // The last window would start inside the end padding: it is dropped.
                        output[a]--;
                    }

                    break;
                }

                case "VALID":
                {
                    int span = input - effK;
                    if (span < 0)
                    {
                        throw ctx.Error($"axis {a}: the window ({effK} with dilation) is larger than the input ({input}) and auto_pad is VALID");
                    }

                    output[a] = ceilMode ? WindowGeometry.CeilDiv(span, strides[a]) + 1 : (span / strides[a]) + 1;
                    break;
                }

                case "SAME_UPPER" or "SAME_LOWER":
                {
                    output[a] = WindowGeometry.CeilDiv(input, strides[a]);
                    int total = Math.Max(0, ((output[a] - 1) * strides[a]) + effK - input);
                    pb[a] = autoPad == "SAME_UPPER" ? total / 2 : total - (total / 2);
                    pe[a] = total - pb[a];
                    break;
                }

                default:
                    throw ctx.Error($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
            }
        }

        return new WindowGeometry
        {
            SpatialRank = r,
            Input = WindowGeometry.Widen(inputSpatial, 1),
            Output = WindowGeometry.Widen(output, 1),
            Kernel = WindowGeometry.Widen(kernel, 1),
            Strides = WindowGeometry.Widen(strides, 1),
            Dilations = WindowGeometry.Widen(dilations, 1),
            PadsBegin = WindowGeometry.Widen(pb, 0),
            PadsEnd = WindowGeometry.Widen(pe, 0),
        };
    }

    /// <summary>The <c>kernel_shape</c> attribute (required for pools).</summary>
    public static int[] KernelShape(NodeContext ctx, int rank)
    {
        var k = ctx.Ints("kernel_shape") ?? throw ctx.Error("attribute kernel_shape is required");
        if (k.Length != rank)
        {
            throw ctx.Error($"kernel_shape has {k.Length} entries but the input has {rank} spatial axes");
        }

        return k.Select(v => Checked(ctx, v, "kernel_shape", 1)).ToArray();
    }

    /// <summary>An optional per-axis integer attribute with <paramref name="rank"/> entries, each ≥ <paramref name="min"/>.</summary>
    public static int[] PerAxis(NodeContext ctx, string name, int rank, int defaultValue, int min)
    {
        var v = ctx.Ints(name);
        if (v is null)
        {
            return Enumerable.Repeat(defaultValue, rank).ToArray();
        }

        if (v.Length != rank)
        {
            throw ctx.Error($"{name} has {v.Length} entries; expected {rank}");
        }

        return v.Select(x => Checked(ctx, x, name, min)).ToArray();
    }

    /// <summary>Checks that a spatial input has rank ≥ 3 (N, C, spatial…) and returns its spatial dims.</summary>
    public static int[] SpatialDims(NodeContext ctx, int[] shape)
    {
        if (shape.Length < 3)
        {
            throw ctx.Error($"input has shape {ShapeUtil.Format(shape)}; expected (N, C, D1, …) with at least one spatial axis");
        }

        return shape[2..];
    }

    private static int[] Ones(int r) => Enumerable.Repeat(1, r).ToArray();

    private static int Checked(NodeContext ctx, long v, string name, int min)
    {
        if (v < min || v > int.MaxValue)
        {
            throw ctx.Error($"{name} entry {v} is out of range (must be ≥ {min})");
        }

        return (int)v;
    }
}
