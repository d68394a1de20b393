using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// AveragePool (opsets 1, 7, 10, 11, 19, 22): 1-D to 3-D average pooling with kernel_shape, pads / auto_pad,
/// strides, ceil_mode, count_include_pad (from 7) and dilations (from 19). See <see cref="AveragePoolReference"/>.
/// </summary>
[Operator(OpKind.AveragePool)]
public sealed class AveragePool : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var x = ctx.InputShape(0);
        var spatial = WindowAttributes.SpatialDims(ctx, x);
        var kernel = WindowAttributes.KernelShape(ctx, spatial.Length);
        bool ceil = ctx.Int("ceil_mode", 0) != 0;
        bool includePad = ctx.Int("count_include_pad", 0) != 0;
        if (ctx.Opset < 19 && ctx.Ints("dilations") is { } d && d.Any(v => v != 1))
        {
            throw ctx.Error("AveragePool has dilations only from opset 19 on");
        }

        var geometry = WindowAttributes.Resolve(ctx, spatial, kernel, ceil, allowDilations: ctx.Opset >= 19);
        var p = new PoolParams(x[0], x[1], geometry);
        ctx.SetOutput(0, t, [x[0], x[1], .. geometry.OutputSpatial]);
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && AveragePoolInside.Supports(p))
        {
            return new AveragePoolInside(p, ctx.Options.Threads);
        }

        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && AveragePoolPlanes.Supports(p))
        {
            return new AveragePoolPlanes(p, includePad, ctx.Options.Threads);     // windows reaching the padding
        }

        return t == DataType.Float32 ? new Kernel<float>(p, includePad) : new Kernel<double>(p, includePad);
    }

    private sealed unsafe class Kernel<T>(PoolParams p, bool includePad) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Outputs[0].Span<T>();
            AveragePoolReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer, includePad, args.Threads);
        }
    }
}
