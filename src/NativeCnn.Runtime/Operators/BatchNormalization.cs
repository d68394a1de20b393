using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// BatchNormalization in inference mode (opsets 1, 6, 7, 9, 14, 15): X (N, C, D1…), scale / B / mean / var (C)
/// (or (C, D1…) with spatial = 0 before opset 9), epsilon. Training (training_mode = 1, is_test = 0 before
/// opset 7, or any of the optional statistics outputs requested) is not supported. When the planner folds the
/// node into a preceding Conv this operator is not called. See <see cref="BatchNormalizationReference"/>; float32 with
/// per-channel parameters runs <see cref="BatchNormVector"/>, bitwise the same.
/// </summary>
[Operator(OpKind.BatchNormalization)]
public sealed class BatchNormalization : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var x = ctx.InputShape(0);
        if (x.Length < 2)
        {
            throw ctx.Error($"input has shape {ShapeUtil.Format(x)}; expected (N, C, …)");
        }

        if (ctx.Int("training_mode", 0) != 0)
        {
            throw ctx.Unsupported("training_mode = 1 (batch statistics) is not supported; only inference mode is");
        }

        if (ctx.Opset < 7 && ctx.Int("is_test", 0) == 0)
        {
            throw ctx.Unsupported("is_test = 0 (training) is not supported; only inference mode (is_test = 1) is");
        }

        for (int i = 1; i < ctx.OutputCount; i++)
        {
            if (ctx.HasOutput(i))
            {
                throw ctx.Unsupported($"output {i} (a training statistic) is not supported; only inference mode is");
            }
        }

        int channels = x[1];
        int size = (int)ShapeUtil.Product(x, 2, x.Length);
        bool perElement = ctx.Opset < 9 && ctx.Int("spatial", 1) == 0;
        long expected = perElement ? (long)channels * size : channels;
        string[] names = ["scale", "B", "mean", "var"];
        for (int i = 1; i <= 4; i++)
        {
            if (ctx.InputType(i) != t)
            {
                throw new UnsupportedDataTypeException($"node {ctx.Node} (opset {ctx.Opset}): {names[i - 1]} has type {ctx.InputType(i)} and X {t}; mixed types are not supported");
            }

            if (ShapeUtil.Product(ctx.InputShape(i)) != expected)
            {
                throw ctx.Error($"{names[i - 1]} has shape {ShapeUtil.Format(ctx.InputShape(i))}; expected {expected} elements for X {ShapeUtil.Format(x)}");
            }
        }

        float eps = ctx.Float("epsilon", 1e-5f);
        ctx.SetOutput(0, t, x);
        if (t == DataType.Float32 && !perElement && !ctx.Options.ReferenceKernels)
        {
            return new BatchNormVector(x[0], channels, size, eps, ctx.Options.Threads);
        }

        return t == DataType.Float32
            ? new Kernel<float>(x[0], channels, size, perElement, eps)
            : new Kernel<double>(x[0], channels, size, perElement, eps);
    }

    private sealed unsafe class Kernel<T>(int batch, int channels, int size, bool perElement, float eps) : IKernel
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(KernelArgs a)
        {
            _ = a.Inputs[0].Span<T>();
            _ = a.Outputs[0].Span<T>();
            BatchNormalizationReference.Run(batch, channels, size, perElement, T.CreateChecked(eps),
                (T*)a.Inputs[0].Pointer, (T*)a.Inputs[1].Pointer, (T*)a.Inputs[2].Pointer, (T*)a.Inputs[3].Pointer, (T*)a.Inputs[4].Pointer,
                (T*)a.Outputs[0].Pointer);
        }
    }
}
