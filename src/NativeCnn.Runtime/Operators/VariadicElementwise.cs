using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>A planned variadic kernel <c>y = op(…op(x0, x1)…, xn)</c>; two inputs take the blocked binary kernel.</summary>
/// A fused activation (float only) runs in the binary kernel's registers, or as a pass over the output after the
/// variadic reference.
internal sealed class VariadicBroadcastKernel<T, TOp>(BroadcastLayout layout) : IKernel, IActivationEpilogue
    where T : unmanaged
    where TOp : IBinaryOp<T>
{
    private readonly BinaryBlocking? _binary = layout.InputStrides.Length == 2 ? BinaryBlocking.For(layout) : null;
    private FusedActivation _activation;

    public void SetActivation(FusedActivation activation) =>
        _activation = typeof(T) == typeof(float) ? activation : throw new InvalidOperationException($"a fused activation needs float elements, not {typeof(T).Name}");

    public unsafe void Run(KernelArgs args)
    {
        if (_binary is not null)
        {
            BinaryBroadcastBlocked.Run<T, TOp>(args.Inputs[0], args.Inputs[1], args.Outputs[0], _binary, _activation);
            return;
        }

        VariadicBroadcastReference.Run<T, TOp>(args.Inputs, args.Outputs[0], layout);
        if (!_activation.IsNone)
        {
            _activation.Apply((float*)args.Outputs[0].Pointer, args.Outputs[0].Length);
        }
    }
}

/// <summary>A planned Mean kernel (see <see cref="VariadicBroadcastReference.Mean{T}"/>).</summary>
internal sealed class MeanKernel<T>(BroadcastLayout layout) : IKernel where T : unmanaged, INumber<T>
{
    public void Run(KernelArgs args) => VariadicBroadcastReference.Mean<T>(args.Inputs, args.Outputs[0], layout);
}

/// <summary>Planning shared by Sum, Mean, Max, Min: one or more inputs of one type, numpy broadcasting among all of them.</summary>
internal static class VariadicElementwise
{
    public static IKernel Plan<TFactory>(NodeContext ctx, DataType[] types) where TFactory : INumericKernelFactory<BroadcastLayout>
    {
        if (ctx.InputCount == 0)
        {
            throw ctx.Error("needs at least one input");
        }

        var t = ctx.ExpectType(0, types);
        var shapes = new List<int[]>();
        for (int i = 0; i < ctx.InputCount; i++)
        {
            if (!ctx.HasInput(i))
            {
                throw ctx.Error($"input {i} is empty; every input of a variadic op is required");
            }

            if (ctx.InputType(i) != t)
            {
                throw ctx.Error($"input {i} has type {ctx.InputType(i)}, input 0 has {t}");
            }

            shapes.Add(ctx.InputShape(i));
        }

        BroadcastLayout layout;
        try
        {
            layout = BroadcastLayout.Multidirectional(shapes);
        }
        catch (InvalidModelException e)
        {
            throw ctx.Error(e.Message);
        }

        ctx.SetOutput(0, t, layout.OutputShape);
        return TypeDispatch.Numeric<TFactory, BroadcastLayout>(t, layout);
    }
}
