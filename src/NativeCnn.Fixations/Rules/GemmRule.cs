using System.Buffers;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Gemm (<c>Y = α·A'·B' + β·C</c>, A' = transA ? Aᵀ : A, B' likewise) and MatMul with a rank-2 right operand.
/// For an output fixation <c>(m, j)</c> the contributions are <c>p_i = a_{m,i} · W[j,i]</c> (W[j,i] = B'[i,j];
/// bias and α ignored: α &gt; 0 does not change signs or the argmax, and the reference ignores it).
/// <list type="bullet">
/// <item>A is a 1-D feature vector: every <c>i</c> with <c>p_i &gt; 0</c>.</item>
/// <item>A is a flattened C×H×W value with H·W &gt; 1 (see <see cref="RuleContext.IsFlattenedSpatial"/>): by
/// default only <c>argmax_i p_i</c>; option <see cref="FcAfterFlatten.AllPositive"/>: every positive <c>p_i</c>.</item>
/// </list>
/// When no contribution is positive the argmax is kept, so that a path never ends silently. Fixations go to A
/// only (B is the weight). The products of a row are one SIMD multiply when A's row and W's row are contiguous
/// (transA = 0, transB = 1: the usual exported classifier layer).
/// </summary>
[FixationRule(OpKind.Gemm, OpKind.MatMul)]
internal sealed unsafe class GemmRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var y = ctx.Output(0);
        ctx.ExpectFloat(a, "input A");
        ctx.ExpectFloat(b, "input B");
        bool transA = ctx.Kind == OpKind.Gemm && ctx.Node.GetInt("transA", 0) != 0;
        bool transB = ctx.Kind == OpKind.Gemm && ctx.Node.GetInt("transB", 0) != 0;
        if (b.Rank != 2 || (ctx.Kind == OpKind.Gemm && a.Rank != 2) || a.Rank < 1)
        {
            throw ctx.Error($"supports A of rank ≥ 1 and B of rank 2 (got A {ShapeUtil.Format(a.Shape)}, B {ShapeUtil.Format(b.Shape)})");
        }

        int k = transB ? b.Shape[1] : b.Shape[0];
        int nOut = transB ? b.Shape[0] : b.Shape[1];
        int m = (int)(a.Length / k);
        long aRowStride = transA ? 1 : k, aElemStride = transA ? m : 1;
        long wRowStride = transB ? k : 1, wElemStride = transB ? 1 : nOut;
        if ((long)m * nOut != y.Length)
        {
            throw ctx.Error($"A {ShapeUtil.Format(a.Shape)} × B {ShapeUtil.Format(b.Shape)} does not give output {ShapeUtil.Format(y.Shape)}");
        }

        bool flattened = ctx.IsFlattenedSpatial(ctx.Step.Inputs[0]);
        bool argmaxOnly = flattened && ctx.Options.FcAfterFlatten == FcAfterFlatten.Argmax;
        float* ap = (float*)a.Pointer, bp = (float*)b.Pointer;
        var rented = ArrayPool<float>.Shared.Rent(k);
        try
        {
            fixed (float* p = rented)
            {
                foreach (long f in ctx.OutputFixations(0))
                {
                    int row = (int)(f / nOut), j = (int)(f % nOut);
                    float* ar = ap + (row * aRowStride);
                    float* wr = bp + (j * wRowStride);
                    if (aElemStride == 1 && wElemStride == 1)
                    {
                        Simd.Multiply(ar, wr, p, k);
                    }
                    else
                    {
                        for (int i = 0; i < k; i++)
                        {
                            p[i] = ar[i * aElemStride] * wr[i * wElemStride];
                        }
                    }

                    ctx.CountRead(2L * k * sizeof(float));
                    long aBase = transA ? row : (long)row * k;
                    int kept = 0;
                    if (!argmaxOnly)
                    {
                        for (int i = 0; i < k; i++)
                        {
                            if (p[i] > 0)
                            {
                                ctx.Add(0, aBase + (i * aElemStride));
                                kept++;
                            }
                        }
                    }

                    if (kept == 0)
                    {
                        int i = Simd.ArgMax(new ReadOnlySpan<float>(p, k));
                        ctx.Add(0, aBase + (i * aElemStride));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
