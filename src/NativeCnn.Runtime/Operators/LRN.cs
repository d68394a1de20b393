using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// LRN (opsets 1, 13): normalisation across <c>size</c> neighbouring channels with alpha (default 1e-4),
/// beta (0.75) and bias (1); X (N, C, D1…). See <see cref="LrnReference"/> for the formula (alpha is divided by size).
/// Float32 runs <see cref="LrnVector"/> (the reference with <see cref="PlanOptions.ReferenceKernels"/>).
/// </summary>
[Operator(OpKind.LRN)]
public sealed class LRN : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var x = ctx.InputShape(0);
        if (x.Length < 2)
        {
            throw ctx.Error($"input has shape {ShapeUtil.Format(x)}; expected (N, C, …)");
        }

        long window = ctx.Int("size", -1);
        if (window < 1 || window > int.MaxValue)
        {
            throw ctx.Error(window == -1 ? "attribute size is required" : $"size {window} must be positive");
        }

        float alpha = ctx.Float("alpha", 1e-4f), beta = ctx.Float("beta", 0.75f), bias = ctx.Float("bias", 1f);
        int spatial = (int)ShapeUtil.Product(x, 2, x.Length);
        ctx.SetOutput(0, t, x);
        return t == DataType.Float32
            ? ctx.Options.ReferenceKernels
                ? new Kernel<float>(x[0], x[1], spatial, (int)window, alpha, beta, bias)
                : new LrnVector(x[0], x[1], spatial, (int)window, alpha, beta, bias, ctx.Options.Threads)
            : new Kernel<double>(x[0], x[1], spatial, (int)window, alpha, beta, bias);
    }

    private sealed unsafe class Kernel<T>(int batch, int channels, int size, int window, float alpha, float beta, float bias) : IKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Outputs[0].Span<T>();
            LrnReference.Run(batch, channels, size, window, T.CreateChecked(alpha), T.CreateChecked(beta), T.CreateChecked(bias),
                (T*)args.Inputs[0].Pointer, (T*)args.Outputs[0].Pointer);
        }
    }
}
