using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// MaxPool (opsets 1, 8, 10, 11, 12, 22): 1-D to 3-D max pooling with kernel_shape, pads / auto_pad, strides,
/// dilations, ceil_mode and the optional Indices output (int64, storage_order 0 = row-major, 1 = column-major
/// within the spatial axes; both include the <c>(n·C + c)</c> plane offset). Always keeps the auxiliary value
/// <c>#argmax</c> for the fixation backtracker: for each output element, the int32 row-major index of the chosen
/// element within its own (n, c) input plane (D1…), −1 for a window with no tap inside the input; half the bytes of
/// the int64 whole-input index, which the forward pass writes for every output. See <see cref="MaxPoolReference"/>.
/// </summary>
[Operator(OpKind.MaxPool)]
public sealed class MaxPool : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64, DataType.Int8, DataType.UInt8);
        var x = ctx.InputShape(0);
        var spatial = WindowAttributes.SpatialDims(ctx, x);
        var kernel = WindowAttributes.KernelShape(ctx, spatial.Length);
        bool ceil = ctx.Int("ceil_mode", 0) != 0;
        long storageOrder = ctx.Int("storage_order", 0);
        if (storageOrder is not (0 or 1))
        {
            throw ctx.Error($"storage_order {storageOrder} is not 0 or 1");
        }

        if (ctx.OutputCount > 1 && ctx.HasOutput(1) && ctx.Opset < 8)
        {
            throw ctx.Error("the Indices output exists from opset 8 on");
        }

        var geometry = WindowAttributes.Resolve(ctx, spatial, kernel, ceil);
        var p = new PoolParams(x[0], x[1], geometry);
        int[] yShape = [x[0], x[1], .. geometry.OutputSpatial];
        ctx.SetOutput(0, t, yShape);
        bool withIndices = ctx.OutputCount > 1 && ctx.HasOutput(1);
        if (withIndices)
        {
            ctx.SetOutput(1, DataType.Int64, yShape);
        }

        long planeSize = (long)geometry.Input[0] * geometry.Input[1] * geometry.Input[2];
        if (planeSize > int.MaxValue)
        {
            throw ctx.Error($"an input plane of {planeSize} elements: the int32 argmax kept for the backtracker holds at most {int.MaxValue}");
        }

        int aux = ctx.AddAuxiliary("argmax", DataType.Int32, yShape, "row-major index of each max within its (n, c) input plane (−1: no tap inside)");
        bool columnMajor = storageOrder == 1;
        if (t == DataType.Float32 && !withIndices && !ctx.Options.ReferenceKernels && MaxPoolRows.Supports(p))
        {
            // Column strides 1 and 2 (nearly every CNN) vectorise straight from the rows; larger strides read a
            // phase-split copy on the vector tiers.
            var isa = MaxPoolRows.Tier(KernelIsaSupport.Best);
            int sw = geometry.Strides[2];
            if (MaxPoolPlanes.Supports(p, isa))
            {
                return new MaxPoolPlanes(p, aux, ctx.Options.Threads);     // small planes: one lane per plane
            }

            return isa != KernelIsa.Scalar && sw > 2 && MaxPoolVector.Supports(p)
                ? new MaxPoolVector(p, aux, ctx.Options.Threads)
                : new MaxPoolRows(p, aux, ctx.Options.Threads, isa);
        }

        return t switch
        {
            DataType.Float32 => new Kernel<float>(p, aux, withIndices, columnMajor),
            DataType.Float64 => new Kernel<double>(p, aux, withIndices, columnMajor),
            DataType.Int8 => new Kernel<sbyte>(p, aux, withIndices, columnMajor),
            _ => new Kernel<byte>(p, aux, withIndices, columnMajor),
        };
    }

    private sealed unsafe class Kernel<T>(PoolParams p, int aux, bool withIndices, bool columnMajor) : IKernel
        where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Outputs[0].Span<T>();
            int* argmax = (int*)args.Auxiliary[aux].Pointer;
            long* indices = withIndices ? (long*)args.Outputs[1].Pointer : null;
            MaxPoolReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer, argmax, indices, columnMajor, args.Threads);
        }
    }
}
