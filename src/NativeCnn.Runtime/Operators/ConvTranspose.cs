using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// ConvTranspose (opsets 1, 11, 22): 1-D to 3-D transposed convolution of X (N, C_in, D1…) with
/// W (C_in, C_out/group, k1…) and optional B (C_out). Per spatial axis, with <c>K = (k−1)·d + 1</c>:
/// <list type="bullet">
/// <item>output_shape given: <c>out = output_shape</c>, total padding <c>s·(in−1) + output_padding + K − out</c>;</item>
/// <item>auto_pad SAME_UPPER / SAME_LOWER: <c>out = in·s</c>, total padding as above;</item>
/// <item>otherwise: <c>out = s·(in−1) + output_padding + K − pad_begin − pad_end</c> (VALID: no pads).</item>
/// </list>
/// A total padding is split as <c>begin = ⌊total/2⌋</c> for SAME_UPPER and <c>begin = total − ⌊total/2⌋</c> otherwise
/// (floor division: a negative total, when output_shape exceeds the natural size, gives a negative end pad,
/// i.e. extra output rows that only get the bias).
/// See <see cref="ConvTransposeReference"/>.
/// </summary>
[Operator(OpKind.ConvTranspose)]
public sealed class ConvTranspose : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var x = ctx.InputShape(0);
        var w = ctx.InputShape(1);
        if (ctx.InputType(1) != t)
        {
            throw ctx.Error($"W has type {ctx.InputType(1)} but X has {t}");
        }

        var spatial = WindowAttributes.SpatialDims(ctx, x);
        int r = spatial.Length;
        if (r > 3)
        {
            throw ctx.Unsupported($"{r} spatial axes (only 1 to 3 are supported)");
        }

        if (w.Length != x.Length)
        {
            throw ctx.Error($"W has shape {ShapeUtil.Format(w)}; X has shape {ShapeUtil.Format(x)}");
        }

        long group = ctx.Int("group", 1);
        int cin = x[1];
        if (group < 1 || w[0] != cin || cin % group != 0)
        {
            throw ctx.Error($"group {group} does not fit X {ShapeUtil.Format(x)} and W {ShapeUtil.Format(w)} (need W[0] = C_in, divisible by group)");
        }

        int cout = checked(w[1] * (int)group);
        var kernel = w[2..];
        if (ctx.Ints("kernel_shape") is { } ks && !ks.Select(v => (int)v).SequenceEqual(kernel))
        {
            throw ctx.Error($"kernel_shape [{string.Join(",", ks)}] disagrees with W {ShapeUtil.Format(w)}");
        }

        if (ctx.HasInput(2))
        {
            var b = ctx.InputShape(2);
            if (ctx.InputType(2) != t || b.Length != 1 || b[0] != cout)
            {
                throw ctx.Error($"B is {ctx.Input(2)}; expected {t}[{cout}]");
            }
        }

        int[] strides = WindowAttributes.PerAxis(ctx, "strides", r, 1, 1);
        int[] dilations = WindowAttributes.PerAxis(ctx, "dilations", r, 1, 1);
        int[] outPad = WindowAttributes.PerAxis(ctx, "output_padding", r, 0, 0);
        string autoPad = ctx.String("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw ctx.Error($"auto_pad '{autoPad}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        }

        long[]? outputShape = ctx.Ints("output_shape");
        if (outputShape is not null)
        {
            if (outputShape.Length == r + 2)
            {
                outputShape = outputShape[2..];   // some exporters give (N, C, spatial…)
            }

            if (outputShape.Length != r)
            {
                throw ctx.Error($"output_shape has {outputShape.Length} entries; expected {r}");
            }
        }

        long[]? pads = ctx.Ints("pads");
        if (pads is not null && pads.Length != 2 * r)
        {
            throw ctx.Error($"pads has {pads.Length} entries; expected {2 * r}");
        }

        var pb = new int[r];
        var pe = new int[r];
        var output = new int[r];
        for (int a = 0; a < r; a++)
        {
            int effK = ((kernel[a] - 1) * dilations[a]) + 1;
            int full = (strides[a] * (spatial[a] - 1)) + outPad[a] + effK;
            if (outputShape is not null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[a] = outputShape is not null ? checked((int)outputShape[a]) : spatial[a] * strides[a];
                int total = full - output[a];
                pb[a] = autoPad == "SAME_UPPER" ? WindowGeometry.FloorDiv(total, 2) : total - WindowGeometry.FloorDiv(total, 2);
                pe[a] = total - pb[a];
            }
            else
            {
                if (autoPad is "NOTSET" or "" && pads is not null)
                {
                    pb[a] = checked((int)pads[a]);
                    pe[a] = checked((int)pads[a + r]);
                }

                output[a] = full - pb[a] - pe[a];
            }

            if (output[a] < 1)
            {
                throw ctx.Error($"axis {a}: the output would have size {output[a]}");
            }
        }

        var geometry = new WindowGeometry
        {
            SpatialRank = r,
            Input = WindowGeometry.Widen(spatial, 1),
            Output = WindowGeometry.Widen(output, 1),
            Kernel = WindowGeometry.Widen(kernel, 1),
            Strides = WindowGeometry.Widen(strides, 1),
            Dilations = WindowGeometry.Widen(dilations, 1),
            PadsBegin = WindowGeometry.Widen(pb, 0),
            PadsEnd = WindowGeometry.Widen(pe, 0),
        };
        var p = new ConvTransposeParams(x[0], cin, cout, (int)group, geometry);
        ctx.SetOutput(0, t, [x[0], cout, .. output]);
        return t == DataType.Float32 ? new Kernel<float>(p) : new Kernel<double>(p);
    }

    private sealed unsafe class Kernel<T>(ConvTransposeParams p) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            var b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (T*)args.Inputs[2].Pointer : null;
            _ = args.Inputs[0].Span<T>();
            _ = args.Inputs[1].Span<T>();
            _ = args.Outputs[0].Span<T>();
            ConvTransposeReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Inputs[1].Pointer, b, (T*)args.Outputs[0].Pointer, args.Threads);
        }
    }
}
