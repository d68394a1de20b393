using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Conv (opsets 1, 11, 22): 1-D to 3-D convolution of X (N, C_in, D1…) with W (C_out, C_in/group, k1…) and
/// optional bias B (C_out); pads / auto_pad, strides, dilations, group (depthwise when group = C_in). The kernel
/// shape comes from W (a <c>kernel_shape</c> attribute must agree with it). See <see cref="ConvReference"/>.
/// </summary>
[Operator(OpKind.Conv)]
public sealed class Conv : Operator
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
        if (w.Length != x.Length)
        {
            throw ctx.Error($"W has shape {ShapeUtil.Format(w)}, rank {w.Length}; X has shape {ShapeUtil.Format(x)}, rank {x.Length}");
        }

        long group = ctx.Int("group", 1);
        int cin = x[1], cout = w[0];
        if (group < 1 || cin % group != 0 || cout % group != 0 || w[1] * group != cin)
        {
            throw ctx.Error($"group {group} does not fit X {ShapeUtil.Format(x)} and W {ShapeUtil.Format(w)} (need C_in = W[1]·group and C_out divisible by group)");
        }

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

        var geometry = WindowAttributes.Resolve(ctx, spatial, kernel, ceilMode: false);
        var p = new ConvParams(x[0], cin, cout, (int)group, geometry);
        ctx.SetOutput(0, t, [x[0], cout, .. geometry.OutputSpatial]);
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && ConvDepthwisePlanes.Supports(p, KernelIsaSupport.Best))
        {
            return new ConvDepthwisePlanes(p, ctx.Options.Threads);      // narrow planes: one lane per channel
        }

        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && ConvDepthwise.Supports(p))
        {
            return new ConvDepthwise(p, KernelIsaSupport.Best, ctx.Options.Threads);
        }

        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && ctx.Constant(1) is { } weights && ConvSgemm.Supports(p))
        {
            return FastKernel(p, weights, ctx.Options.Threads, ctx.Options.AllowWinograd, ctx.Options.WinogradEverywhere, ctx.Options.LowMemory);
        }

        return t == DataType.Float32 ? new ConvKernel<float>(p) : new ConvKernel<double>(p);
    }

    /// <summary>
    /// The SIMD kernel for a float conv with constant weights, chosen by shape and ISA tier. Low memory: the kernels
    /// that would keep a packed copy of the weights (im2col / pointwise SGEMM, row tile, small plane) pack them from
    /// <paramref name="weights"/> into the shared scratch at the start of each call instead.
    /// </summary>
    private static unsafe IKernel FastKernel(ConvParams p, Tensor weights, int threads, bool allowWinograd, bool winogradEverywhere, bool lowMemory = false)
    {
        var isa = KernelIsaSupport.Best;
        var perCall = lowMemory ? weights : null;
        fixed (float* w = weights.AsSpan<float>())
        {
            if (allowWinograd && winogradEverywhere && isa != KernelIsa.Scalar && ConvWinogradF4x4.Supports(p))
            {
                return new ConvWinogradF4x4(p, w, isa, Math.Max(1, threads));
            }

            if (isa == KernelIsa.Vector512 && ConvDirectSmallK.Worthwhile(p))
            {
                return new ConvDirectSmallK(p, w, Math.Max(1, threads));
            }

            if (allowWinograd && isa != KernelIsa.Scalar && ConvWinogradF4x4.Worthwhile(p))
            {
                return new ConvWinogradF4x4(p, w, isa, Math.Max(1, threads));
            }

            if (isa == KernelIsa.Vector512 && ConvRowTile.Worthwhile(p))
            {
                return new ConvRowTile(p, w, Math.Max(1, threads), perCall);
            }

            if (isa == KernelIsa.Vector512 && ConvSmallPlane.Worthwhile(p))
            {
                return new ConvSmallPlane(p, w, Math.Max(1, threads), "SgemmPackedAvx512_14x32", perCall);
            }

            return new ConvSgemm(p, w, isa, Math.Max(1, threads), perCallWeights: perCall);
        }
    }

    private sealed unsafe class ConvKernel<T>(ConvParams p) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            var b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (T*)args.Inputs[2].Pointer : null;
            _ = args.Inputs[0].Span<T>();  // asserts contiguity and element type
            _ = args.Inputs[1].Span<T>();
            _ = args.Outputs[0].Span<T>();
            ConvReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Inputs[1].Pointer, b, (T*)args.Outputs[0].Pointer, args.Threads);
        }
    }
}
