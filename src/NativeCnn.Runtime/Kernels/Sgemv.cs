using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Streaming GEMV for batch-1 dense layers: <c>y[j] = Σ_k x[k] · W[j, k]</c>, W row-major (N × K, the
/// PyTorch/ONNX <c>transB = 1</c> layout, transposed at plan time otherwise). Memory-bound: each weight is read
/// once, four rows at a time, with one vector accumulator per row; lanes are summed in a fixed order and the
/// K tail added last, so a row's result does not depend on the thread count. Oracle: <see cref="SgemmReference"/>
/// with M = 1.
/// <para>
/// With an <c>argmax</c> buffer each row also yields <c>argmax_q x[q]·W[j, q]</c> (<see cref="ProductArgMax"/>: first
/// index of the largest product, NaNs skipped), what the fixation rule of a dense layer after a flattened feature map
/// keeps. The products are taken from the same loads as the FMAs (one multiply and one max more per vector, idle
/// units while the row streams from memory); per 256-element chunk each lane keeps where its maximum rose, and
/// the winning chunk is rescanned from cache. The sums are those of the plain loop, bit for bit.
/// </para>
/// </summary>
internal static unsafe class Sgemv
{
    /// <summary>Rows per work item (fixed, so the partition depends on the shape only).</summary>
    public const int RowBlock = 64;

    public static string Name(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => "SgemvRowsAvx512_4x16",
        KernelIsa.Vector256 => "SgemvRowsAvx2_4x8",
        _ => "SgemvRowsScalar",
    };

    /// <summary>Rows <c>[j0, j1)</c>; with <paramref name="argmax"/> (may be null) also each row's product argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(KernelIsa isa, float* x, float* w, int k, int j0, int j1, float* y, int* argmax = null)
    {
        int j = j0;
        if (isa == KernelIsa.Vector512)
        {
            if (argmax != null)
            {
                for (; j + 8 <= j1; j += 8)
                {
                    Eight512ArgMax(x, w + ((long)j * k), k, y + j, argmax + j);
                }
            }

            for (; j + 4 <= j1; j += 4)
            {
                if (argmax == null)
                {
                    Four512(x, w + ((long)j * k), k, y + j);
                }
                else
                {
                    Four512ArgMax(x, w + ((long)j * k), k, y + j, argmax + j);
                }
            }
        }
        else if (isa == KernelIsa.Vector256)
        {
            for (; j + 4 <= j1; j += 4)
            {
                if (argmax == null)
                {
                    Four256(x, w + ((long)j * k), k, y + j);
                }
                else
                {
                    Four256ArgMax(x, w + ((long)j * k), k, y + j, argmax + j);
                }
            }
        }

        for (; j < j1; j++)
        {
            float* row = w + ((long)j * k);
            float acc = 0f;
            if (argmax == null)
            {
                for (int q = 0; q < k; q++)
                {
                    acc += x[q] * row[q];
                }
            }
            else
            {
                // The product rounded once, then added: the same sum as the plain loop (no fused multiply-add here).
                int best = -1;
                float m = float.NegativeInfinity;
                for (int q = 0; q < k; q++)
                {
                    float p = x[q] * row[q];
                    acc += p;
                    if (p > m || (best < 0 && p == m))
                    {
                        m = p;
                        best = q;
                    }
                }

                argmax[j] = best < 0 ? 0 : best;
            }

            y[j] = acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four512(float* x, float* w, int k, float* y)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        int q = 0;
        for (; q + 16 <= k; q += 16)
        {
            var xv = Vector512.Load(x + q);
            a0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w + q), a0);
            a1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w1 + q), a1);
            a2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w2 + q), a2);
            a3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w3 + q), a3);
        }

        Finish(x, w, k, q, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four256(float* x, float* w, int k, float* y)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        int q = 0;
        for (; q + 8 <= k; q += 8)
        {
            var xv = Vector256.Load(x + q);
            a0 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w + q), a0);
            a1 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w1 + q), a1);
            a2 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w2 + q), a2);
            a3 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w3 + q), a3);
        }

        Finish(x, w, k, q, Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3), y);
    }

    /// <summary><see cref="Four512"/> (the same FMAs in the same order) and the four rows' product argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four512ArgMax(float* x, float* w, int k, float* y, int* argmax)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        var a0 = Vector512<float>.Zero;
        var a1 = Vector512<float>.Zero;
        var a2 = Vector512<float>.Zero;
        var a3 = Vector512<float>.Zero;
        var ninf = Vector512.Create(float.NegativeInfinity);
        Vector512<float> r0 = ninf, r1 = ninf, r2 = ninf, r3 = ninf;               // per lane: largest product so far
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default;     // per lane: chunk where it last rose
        int full = k / ProductArgMax.Chunk * ProductArgMax.Chunk;
        int q = 0;
        for (; q < full; q += ProductArgMax.Chunk)
        {
            Vector512<float> m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
            for (int i = q; i < q + ProductArgMax.Chunk; i += 16)
            {
                var xv = Vector512.Load(x + i);
                var v0 = Vector512.Load(w + i);
                var v1 = Vector512.Load(w1 + i);
                var v2 = Vector512.Load(w2 + i);
                var v3 = Vector512.Load(w3 + i);
                a0 = Vector512.FusedMultiplyAdd(xv, v0, a0);
                a1 = Vector512.FusedMultiplyAdd(xv, v1, a1);
                a2 = Vector512.FusedMultiplyAdd(xv, v2, a2);
                a3 = Vector512.FusedMultiplyAdd(xv, v3, a3);
                m0 = Avx512F.Max(xv * v0, m0);
                m1 = Avx512F.Max(xv * v1, m1);
                m2 = Avx512F.Max(xv * v2, m2);
                m3 = Avx512F.Max(xv * v3, m3);
            }

            (r0, c0) = ProductArgMax.Lanes512.Raise(m0, r0, c0, q);
            (r1, c1) = ProductArgMax.Lanes512.Raise(m1, r1, c1, q);
            (r2, c2) = ProductArgMax.Lanes512.Raise(m2, r2, c2, q);
            (r3, c3) = ProductArgMax.Lanes512.Raise(m3, r3, c3, q);
        }

        for (; q + 16 <= k; q += 16)
        {
            var xv = Vector512.Load(x + q);
            a0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w + q), a0);
            a1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w1 + q), a1);
            a2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w2 + q), a2);
            a3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w3 + q), a3);
        }

        Finish(x, w, k, q, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), y);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w, k, full, r0, c0, argmax);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w1, k, full, r1, c1, argmax + 1);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w2, k, full, r2, c2, argmax + 2);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w3, k, full, r3, c3, argmax + 3);
    }

    /// <summary>
    /// Eight rows at a time: each x vector is loaded once for eight rows (fewer instructions per weight byte than two
    /// four-row passes). Per row the same FMAs in the same order as <see cref="Four512"/>, so the same sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Eight512ArgMax(float* x, float* w, int k, float* y, int* argmax)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k, w4 = w3 + k, w5 = w4 + k, w6 = w5 + k, w7 = w6 + k;
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        var ninf = Vector512.Create(float.NegativeInfinity);
        Vector512<float> r0 = ninf, r1 = ninf, r2 = ninf, r3 = ninf, r4 = ninf, r5 = ninf, r6 = ninf, r7 = ninf;
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        int full = k / ProductArgMax.Chunk * ProductArgMax.Chunk;
        int q = 0;
        for (; q < full; q += ProductArgMax.Chunk)
        {
            Vector512<float> m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf, m4 = ninf, m5 = ninf, m6 = ninf, m7 = ninf;
            for (int i = q; i < q + ProductArgMax.Chunk; i += 16)
            {
                var xv = Vector512.Load(x + i);
                var v0 = Vector512.Load(w + i);
                a0 = Vector512.FusedMultiplyAdd(xv, v0, a0);
                m0 = Avx512F.Max(xv * v0, m0);
                var v1 = Vector512.Load(w1 + i);
                a1 = Vector512.FusedMultiplyAdd(xv, v1, a1);
                m1 = Avx512F.Max(xv * v1, m1);
                var v2 = Vector512.Load(w2 + i);
                a2 = Vector512.FusedMultiplyAdd(xv, v2, a2);
                m2 = Avx512F.Max(xv * v2, m2);
                var v3 = Vector512.Load(w3 + i);
                a3 = Vector512.FusedMultiplyAdd(xv, v3, a3);
                m3 = Avx512F.Max(xv * v3, m3);
                var v4 = Vector512.Load(w4 + i);
                a4 = Vector512.FusedMultiplyAdd(xv, v4, a4);
                m4 = Avx512F.Max(xv * v4, m4);
                var v5 = Vector512.Load(w5 + i);
                a5 = Vector512.FusedMultiplyAdd(xv, v5, a5);
                m5 = Avx512F.Max(xv * v5, m5);
                var v6 = Vector512.Load(w6 + i);
                a6 = Vector512.FusedMultiplyAdd(xv, v6, a6);
                m6 = Avx512F.Max(xv * v6, m6);
                var v7 = Vector512.Load(w7 + i);
                a7 = Vector512.FusedMultiplyAdd(xv, v7, a7);
                m7 = Avx512F.Max(xv * v7, m7);
            }

            (r0, c0) = ProductArgMax.Lanes512.Raise(m0, r0, c0, q);
            (r1, c1) = ProductArgMax.Lanes512.Raise(m1, r1, c1, q);
            (r2, c2) = ProductArgMax.Lanes512.Raise(m2, r2, c2, q);
            (r3, c3) = ProductArgMax.Lanes512.Raise(m3, r3, c3, q);
            (r4, c4) = ProductArgMax.Lanes512.Raise(m4, r4, c4, q);
            (r5, c5) = ProductArgMax.Lanes512.Raise(m5, r5, c5, q);
            (r6, c6) = ProductArgMax.Lanes512.Raise(m6, r6, c6, q);
            (r7, c7) = ProductArgMax.Lanes512.Raise(m7, r7, c7, q);
        }

        for (; q + 16 <= k; q += 16)
        {
            var xv = Vector512.Load(x + q);
            a0 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w + q), a0);
            a1 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w1 + q), a1);
            a2 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w2 + q), a2);
            a3 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w3 + q), a3);
            a4 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w4 + q), a4);
            a5 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w5 + q), a5);
            a6 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w6 + q), a6);
            a7 = Vector512.FusedMultiplyAdd(xv, Vector512.Load(w7 + q), a7);
        }

        Finish(x, w, k, q, Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3), y);
        Finish(x, w4, k, q, Vector512.Sum(a4), Vector512.Sum(a5), Vector512.Sum(a6), Vector512.Sum(a7), y + 4);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w, k, full, r0, c0, argmax + 0);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w1, k, full, r1, c1, argmax + 1);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w2, k, full, r2, c2, argmax + 2);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w3, k, full, r3, c3, argmax + 3);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w4, k, full, r4, c4, argmax + 4);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w5, k, full, r5, c5, argmax + 5);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w6, k, full, r6, c6, argmax + 6);
        ArgMaxOf<ProductArgMax.Lanes512, Vector512<float>, Vector512<int>>(x, w7, k, full, r7, c7, argmax + 7);
    }

    /// <summary><see cref="Four256"/> (the same FMAs in the same order) and the four rows' product argmax.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Four256ArgMax(float* x, float* w, int k, float* y, int* argmax)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        var a0 = Vector256<float>.Zero;
        var a1 = Vector256<float>.Zero;
        var a2 = Vector256<float>.Zero;
        var a3 = Vector256<float>.Zero;
        var ninf = Vector256.Create(float.NegativeInfinity);
        Vector256<float> r0 = ninf, r1 = ninf, r2 = ninf, r3 = ninf;
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default;
        int full = k / ProductArgMax.Chunk * ProductArgMax.Chunk;
        int q = 0;
        for (; q < full; q += ProductArgMax.Chunk)
        {
            Vector256<float> m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
            for (int i = q; i < q + ProductArgMax.Chunk; i += 8)
            {
                var xv = Vector256.Load(x + i);
                var v0 = Vector256.Load(w + i);
                var v1 = Vector256.Load(w1 + i);
                var v2 = Vector256.Load(w2 + i);
                var v3 = Vector256.Load(w3 + i);
                a0 = Vector256.FusedMultiplyAdd(xv, v0, a0);
                a1 = Vector256.FusedMultiplyAdd(xv, v1, a1);
                a2 = Vector256.FusedMultiplyAdd(xv, v2, a2);
                a3 = Vector256.FusedMultiplyAdd(xv, v3, a3);
                m0 = Avx.Max(xv * v0, m0);
                m1 = Avx.Max(xv * v1, m1);
                m2 = Avx.Max(xv * v2, m2);
                m3 = Avx.Max(xv * v3, m3);
            }

            (r0, c0) = ProductArgMax.Lanes256.Raise(m0, r0, c0, q);
            (r1, c1) = ProductArgMax.Lanes256.Raise(m1, r1, c1, q);
            (r2, c2) = ProductArgMax.Lanes256.Raise(m2, r2, c2, q);
            (r3, c3) = ProductArgMax.Lanes256.Raise(m3, r3, c3, q);
        }

        for (; q + 8 <= k; q += 8)
        {
            var xv = Vector256.Load(x + q);
            a0 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w + q), a0);
            a1 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w1 + q), a1);
            a2 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w2 + q), a2);
            a3 = Vector256.FusedMultiplyAdd(xv, Vector256.Load(w3 + q), a3);
        }

        Finish(x, w, k, q, Vector256.Sum(a0), Vector256.Sum(a1), Vector256.Sum(a2), Vector256.Sum(a3), y);
        ArgMaxOf<ProductArgMax.Lanes256, Vector256<float>, Vector256<int>>(x, w, k, full, r0, c0, argmax);
        ArgMaxOf<ProductArgMax.Lanes256, Vector256<float>, Vector256<int>>(x, w1, k, full, r1, c1, argmax + 1);
        ArgMaxOf<ProductArgMax.Lanes256, Vector256<float>, Vector256<int>>(x, w2, k, full, r2, c2, argmax + 2);
        ArgMaxOf<ProductArgMax.Lanes256, Vector256<float>, Vector256<int>>(x, w3, k, full, r3, c3, argmax + 3);
    }

    /// <summary>One row's argmax from its per-lane chunk maxima over <c>[0, full)</c> (the chunk rescan and the K tail).</summary>
    private static void ArgMaxOf<TLanes, TF, TI>(float* x, float* row, int k, int full, TF rm, TI rc, int* argmax)
        where TLanes : struct, ProductArgMax.IChunkLanes<TF, TI>
        where TF : struct
        where TI : struct
    {
        var (m, first) = full > 0 ? ProductArgMax.Reduce<TLanes, TF, TI>(rm, rc) : (float.NegativeInfinity, 0);
        *argmax = ProductArgMax.Finish(x, row, k, full, m, first);
    }

    /// <summary>Adds the K tail (<c>q ≥ q0</c>) of four rows to their lane sums.</summary>
    private static void Finish(float* x, float* w, int k, int q0, float s0, float s1, float s2, float s3, float* y)
    {
        float* w1 = w + k, w2 = w1 + k, w3 = w2 + k;
        for (int q = q0; q < k; q++)
        {
            s0 += x[q] * w[q];
            s1 += x[q] * w1[q];
            s2 += x[q] * w2[q];
            s3 += x[q] * w3[q];
        }

        y[0] = s0;
        y[1] = s1;
        y[2] = s2;
        y[3] = s3;
    }
}

/// <summary>
/// Runs work items <c>[0, count)</c> on up to <c>threads</c> workers (<see cref="ComputeThreads"/>) that take items
/// from both ends (<see cref="TwoEndedItems"/>: the caller from the front, helpers from the back); each item is computed wholly by one worker, so results do not depend on which worker or how many. The item body and the
/// state it reads are fixed at plan time; one run at a time.
/// </summary>
internal sealed class WorkQueue
{
    private readonly Action<int> _worker;
    private readonly Action<int, int> _body;
    private TwoEndedItems _items;

    /// <param name="body">Called as <c>body(item, worker)</c>; worker in <c>[0, threads)</c> picks per-worker scratch.</param>
    public WorkQueue(Action<int, int> body)
    {
        _body = body;
        _worker = Worker;
    }

    public void Run(int count, int threads)
    {
        _items.Reset(count);
        int workers = Math.Min(threads, count);
        if (workers <= 1)
        {
            Worker(0);
        }
        else
        {
            ComputeThreads.Run(_worker, workers);
        }
    }

    private void Worker(int w)
    {
        while (_items.TryTake(w, out int item))
        {
            _body(item, w);
        }
    }
}
