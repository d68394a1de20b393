using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Streaming GEMV for batch-1 dense layers: <c>y[j] = Σ_k x[k] · W[j, k]</c>, W row-major (N × K, the
/// PyTorch/ONNX <c>transB = 1</c> layout, transposed at plan time otherwise). Memory-bound: each weight is read
/// once, four rows at a time, with one vector accumulator per row; lanes are summed in a fixed order and the
/// K tail added last, so a row's result does not depend on the thread count. Oracle: <see cref="SgemmReference"/>
/// with M = 1.
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

    /// <summary>Rows <c>[j0, j1)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(KernelIsa isa, float* x, float* w, int k, int j0, int j1, float* y)
    {
        int j = j0;
        if (isa == KernelIsa.Vector512)
        {
            for (; j + 4 <= j1; j += 4)
            {
                Four512(x, w + ((long)j * k), k, y + j);
            }
        }
        else if (isa == KernelIsa.Vector256)
        {
            for (; j + 4 <= j1; j += 4)
            {
                Four256(x, w + ((long)j * k), k, y + j);
            }
        }

        for (; j < j1; j++)
        {
            float* row = w + ((long)j * k);
            float acc = 0f;
            for (int q = 0; q < k; q++)
            {
                acc += x[q] * row[q];
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
