using System.Numerics;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// Gemm (opsets 1, 6, 7, 9, 11, 13): <c>Y = alpha · A' · B' + beta · C</c> with transA / transB, C optional
/// (from opset 11) and broadcast unidirectionally to (M, N) (scalar, (N), (1, N), (M, 1), (M, N)…).
/// See <see cref="GemmReference"/>.
/// </summary>
[Operator(OpKind.Gemm)]
public sealed class Gemm : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var t = ctx.ExpectType(0, DataType.Float32, DataType.Float64);
        var a = ctx.InputShape(0);
        var b = ctx.InputShape(1);
        if (ctx.InputType(1) != t)
        {
            throw ctx.Error($"B has type {ctx.InputType(1)} but A has {t}");
        }

        if (a.Length != 2 || b.Length != 2)
        {
            throw ctx.Error($"A {ShapeUtil.Format(a)} and B {ShapeUtil.Format(b)} must both be matrices");
        }

        bool ta = ctx.Int("transA", 0) != 0, tb = ctx.Int("transB", 0) != 0;
        int m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
        int kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (k != kb)
        {
            throw ctx.Error($"A' is {m}x{k} but B' is {kb}x{n} (A {ShapeUtil.Format(a)}, B {ShapeUtil.Format(b)}, transA {ta}, transB {tb})");
        }

        bool hasC = ctx.HasInput(2);
        int cRow = 0, cCol = 0;
        if (hasC)
        {
            var c = ctx.InputShape(2);
            if (ctx.InputType(2) != t || c.Length > 2)
            {
                throw ctx.Error($"C is {ctx.Input(2)}; expected {t} of rank ≤ 2");
            }

            int cRows = c.Length == 2 ? c[0] : 1, cCols = c.Length >= 1 ? c[^1] : 1;
            if ((cRows != 1 && cRows != m) || (cCols != 1 && cCols != n))
            {
                throw ctx.Error($"C {ShapeUtil.Format(c)} does not broadcast to ({m}, {n})");
            }

            cRow = cRows == 1 ? 0 : cCols;
            cCol = cCols == 1 ? 0 : 1;
        }

        var p = new GemmParams(m, n, k, ta, tb, ctx.Float("alpha", 1f), ctx.Float("beta", 1f), hasC, cRow, cCol);
        ctx.SetOutput(0, t, [m, n]);
        if (t == DataType.Float32 && !ctx.Options.ReferenceKernels && ctx.Constant(1) is { } weights && k > 0)
        {
            return new DenseSgemm(p, weights, KernelIsaSupport.Best, ctx.Options.Threads, DenseSgemm.DeclareProductArgMax(ctx, m, k, n, [m, n]));
        }

        return t == DataType.Float32 ? new Kernel<float>(p) : new Kernel<double>(p);
    }

    private sealed unsafe class Kernel<T>(GemmParams p) : IKernel where T : unmanaged, INumber<T>
    {
        public void Run(KernelArgs args)
        {
            T* c = p.HasC ? (T*)args.Inputs[2].Pointer : null;
            _ = args.Inputs[0].Span<T>();
            _ = args.Inputs[1].Span<T>();
            _ = args.Outputs[0].Span<T>();
            GemmReference.Run(p, (T*)args.Inputs[0].Pointer, (T*)args.Inputs[1].Pointer, c, (T*)args.Outputs[0].Pointer, args.Threads);
        }
    }
}
