using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Kernels;
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
/// only (B is the weight). The argmax of a batch-1 layer comes from the forward pass when its kernel stored it
/// (<see cref="ProductArgMax.AuxiliarySuffix"/>: the same first largest product), so no weight row is read again. The products of a row are one SIMD multiply when A's row and W's row are contiguous
/// (transA = 0, transB = 1: the usual exported classifier layer).
/// </summary>
[FixationRule(OpKind.Gemm, OpKind.MatMul)]
internal sealed unsafe class GemmRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        long[] fix = ctx.OutputFixations(0).ToArray();
        int* stored = argmaxOnly ? StoredArgMax(ctx, y) : null;

        // The kept inputs as one bitmap per A row (per chunk), emitted in ascending order below: no sort of the set.
        // Output fixations are independent: split them into fixed contiguous chunks, one per thread, and merge in chunk
        // order, so the result does not depend on the thread count.
        int chunks = stored == null && fix.Length >= 64 ? Math.Max(1, Math.Min(ctx.Options.Threads, fix.Length / 32)) : 1;
        int words = (k + 63) / 64;
        var bits = new ulong[(long)chunks * m * words];
        if (stored != null)
        {
            // The forward pass stored each output's argmax (batch-1 dense kernel): no weight row is read again.
            foreach (long f in fix)
            {
                int i = stored[f];
                if ((uint)i >= (uint)k)
                {
                    throw ctx.Error($"the stored '#{ProductArgMax.AuxiliarySuffix}' holds {i} for output element {f}, outside [0, {k})");
                }

                bits[((f / nOut) * words) + (i >> 6)] |= 1UL << (i & 63);
            }

            ctx.CountRead(sizeof(int) * (long)fix.Length);
        }
        else
        {
            ctx.CountRead(2L * k * sizeof(float) * fix.Length);
            if (chunks == 1)
            {
                Chunk(0);
            }
            else
            {
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, Chunk);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Chunk(int c)
        {
            int from = (int)((long)fix.Length * c / chunks), to = (int)((long)fix.Length * (c + 1) / chunks);
            for (int q = from; q < to; q++)
            {
                int row = (int)(fix[q] / nOut), j = (int)(fix[q] % nOut);
                float* ar = ap + (row * aRowStride);
                float* wr = bp + (j * wRowStride);
                fixed (ulong* rowBits = &bits[((long)c * m + row) * words])
                {
                    bool any = !argmaxOnly && (aElemStride == 1 && wElemStride == 1
                        ? Simd.MarkPositiveProducts(ar, wr, rowBits, k)
                        : MarkStrided(ar, wr, rowBits));
                    if (!any)
                    {
                        int i = ArgMax(ar, wr);
                        rowBits[i >> 6] |= 1UL << (i & 63);
                    }
                }
            }
        }

        for (int row = 0; row < m; row++)
        {
            long aBase = transA ? row : (long)row * k;
            for (int w = 0; w < words; w++)
            {
                ulong word = 0;
                for (int c = 0; c < chunks; c++)
                {
                    word |= bits[((long)c * m + row) * words + w];
                }

                while (word != 0)
                {
                    int i = (w * 64) + System.Numerics.BitOperations.TrailingZeroCount(word);
                    word &= word - 1;
                    ctx.Add(0, aBase + (i * aElemStride));
                }
            }
        }

        // argmax_i a_i·W[j,i] (first index of the largest product).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        int ArgMax(float* ar, float* wr)
        {
            if (aElemStride == 1 && wElemStride == 1)
            {
                return Simd.MultiplyArgMax(ar, wr, k);
            }

            int best = -1;
            float mx = float.NegativeInfinity;
            for (int i = 0; i < k; i++)
            {
                float p = ar[i * aElemStride] * wr[i * wElemStride];
                if (p > mx || (best < 0 && p == mx))
                {
                    mx = p;
                    best = i;
                }
            }

            return best < 0 ? 0 : best;
        }

        bool MarkStrided(float* ar, float* wr, ulong* rowBits)
        {
            bool any = false;
            for (int i = 0; i < k; i++)
            {
                if (ar[i * aElemStride] * wr[i * wElemStride] > 0)
                {
                    rowBits[i >> 6] |= 1UL << (i & 63);
                    any = true;
                }
            }

            return any;
        }
    }

    /// <summary>
    /// The per-output product argmax the batch-1 dense kernel stored ("<c>{output}#product-argmax</c>", int32 of the
    /// output's shape), or null when the plan has none (batch &gt; 1, reference kernels).
    /// </summary>
    private static int* StoredArgMax(RuleContext ctx, in TensorView y)
    {
        string? aux = ctx.Step.Auxiliary.FirstOrDefault(n => n.EndsWith("#" + ProductArgMax.AuxiliarySuffix, StringComparison.Ordinal));
        if (aux is null || !ctx.TryValue(aux, out var idx))
        {
            return null;
        }

        if (idx.DataType != DataType.Int32 || idx.Length != y.Length)
        {
            throw ctx.Error($"auxiliary '{aux}' is {idx.DataType}{ShapeUtil.Format(idx.Shape)}, expected int32 of the output's shape");
        }

        return (int*)idx.Pointer;
    }
}
