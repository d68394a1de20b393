using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// MatMul (opsets 1, 9, 13) with numpy semantics: a 1-D A is promoted to (1, K) and a 1-D B to (K, 1), the added
/// axis removed from the result; leading (batch) axes broadcast. See <see cref="MatMulReference"/>.
/// </summary>
[Operator(OpKind.MatMul)]
public sealed class MatMul : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64, DataType.Int32, DataType.Int64, DataType.UInt32, DataType.UInt64);
        if (ctx.InputType(1) != t)
        {
            throw ctx.Error($"B has type {ctx.InputType(1)} but A has {t}");
        }

        var a0 = ctx.InputShape(0);
        var b0 = ctx.InputShape(1);
        if (a0.Length == 0 || b0.Length == 0)
        {
            throw ctx.Error($"MatMul needs inputs of rank ≥ 1, got A {ShapeUtil.Format(a0)} and B {ShapeUtil.Format(b0)}");
        }

        int[] a = a0.Length == 1 ? [1, a0[0]] : a0;
        int[] b = b0.Length == 1 ? [b0[0], 1] : b0;
        int m = a[^2], k = a[^1], kb = b[^2], n = b[^1];
        if (k != kb)
        {
            throw ctx.Error($"A {ShapeUtil.Format(a0)} and B {ShapeUtil.Format(b0)}: inner dimensions {k} and {kb} differ");
        }

        int[] batch;
        try
        {
            batch = ShapeUtil.Broadcast(a[..^2], b[..^2]);
        }
        catch (InvalidModelException e)
        {
            throw ctx.Error(e.Message);
        }

        var aOff = BatchOffsets(a[..^2], batch, (long)m * k);
        var bOff = BatchOffsets(b[..^2], batch, (long)k * n);
        var y = new List<int>(batch);
        if (a0.Length > 1)
        {
            y.Add(m);
        }

        if (b0.Length > 1)
        {
            y.Add(n);
        }

        ctx.SetOutput(0, t, [.. y]);
        var p = new MatMulParams(m, n, k, aOff, bOff);
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && b0.Length == 2 && ctx.Constant(1) is { } weights && k > 0)
        {
            // A (…, M, K) times a constant K × N matrix: the leading axes of A are just more rows.
            int rows = checked((int)(ShapeUtil.Product(a0) / k));
            return new DenseSgemm(new GemmParams(rows, n, k, false, false, 1f, 0f, false, 0, 0), weights, KernelIsaSupport.Best, ctx.Options.Threads,
                DenseSgemm.DeclareProductArgMax(ctx, rows, k, n, [.. y]));
        }

        return t switch
        {
            DataType.Float32 => new Kernel<float>(p),
            DataType.Float64 => new Kernel<double>(p),
            DataType.Int32 => new Kernel<int>(p),
            DataType.Int64 => new Kernel<long>(p),
            DataType.UInt32 => new Kernel<uint>(p),
            _ => new Kernel<ulong>(p),
        };
    }

    /// <summary>For each batch index of <paramref name="batch"/> (row-major), the element offset of the matching matrix in an operand whose batch shape broadcasts to it.</summary>
    private static long[] BatchOffsets(int[] own, int[] batch, long matrix)
    {
        int count = checked((int)ShapeUtil.Product(batch));
        var offsets = new long[count];
        int r = batch.Length;
        var strides = new long[r];      // operand strides in matrices, aligned right, 0 on broadcast axes
        long s = matrix;
        for (int i = r - 1; i >= 0; i--)
        {
            int j = i - (r - own.Length);
            int dim = j >= 0 ? own[j] : 1;
            strides[i] = dim == 1 ? 0 : s;
            s *= dim;
        }

        var idx = new int[r];
        for (int t = 0; t < count; t++)
        {
            long off = 0;
            for (int i = 0; i < r; i++)
            {
                off += idx[i] * strides[i];
            }

            offsets[t] = off;
            for (int i = r - 1; i >= 0; i--)
            {
                if (++idx[i] < batch[i])
                {
                    break;
                }

                idx[i] = 0;
            }
        }

        return offsets;
    }

    private sealed unsafe class Kernel<T>(MatMulParams p) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            _ = args.Inputs[0].Span<T>();
            _ = args.Inputs[1].Span<T>();
            _ = args.Outputs[0].Span<T>();
            MatMulReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Inputs[1].Pointer, (T*)args.Outputs[0].Pointer, args.Threads);
        }
    }
}
