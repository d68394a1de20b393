using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Averages over windows of eight planes at once, one plane per vector lane: for planes whose output
/// rows are too short to vectorise along (global pooling, SqueezeNet's 13×13 → 1×1), where one plane's sum is a
/// single chain of dependent additions. Lane l adds the same elements in the same order as the scalar loop over
/// plane l, then divides by the same count, so the result is bitwise the scalar one.
/// </summary>
internal static unsafe class AveragePlanes
{
    /// <summary>AVX2 (the 8×8 transposes).</summary>
    public static bool Supported => Avx.IsSupported;

    /// <summary>
    /// <c>y[l] = (Σ_t x[l·planeSize + t]) / count</c> for l in [0, 8), t ascending from 0, sum from 0: eight elements of each of the eight planes
    /// are loaded and transposed (8×8 in registers), so lane l adds plane l's elements t, t+1, … in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EightWhole(float* x, int planeSize, float count, float* y)
    {
        var sum = Vector256<float>.Zero;
        long s = planeSize;
        int t = 0;
        for (; t + 8 <= planeSize; t += 8)
        {
            float* p = x + t;
            PlaneTiles.Transpose8x8(
                Vector256.Load(p), Vector256.Load(p + s), Vector256.Load(p + (2 * s)), Vector256.Load(p + (3 * s)),
                Vector256.Load(p + (4 * s)), Vector256.Load(p + (5 * s)), Vector256.Load(p + (6 * s)), Vector256.Load(p + (7 * s)),
                out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
            sum += o0;
            sum += o1;
            sum += o2;
            sum += o3;
            sum += o4;
            sum += o5;
            sum += o6;
            sum += o7;
        }

        for (; t < planeSize; t++)
        {
            float* p = x + t;
            sum += Vector256.Create(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]);
        }

        (sum / Vector256.Create(count)).Store(y);
    }
}

/// <summary>
/// GlobalAveragePool, float: <c>y[p] = (Σ_s x[p, s]) / size</c> summed in order from 0 as
/// <see cref="GlobalPoolReference.Average{T}"/> (bitwise its result), eight planes per work item with
/// <see cref="AveragePlanes.EightWhole"/> (AVX2).
/// </summary>
internal sealed unsafe class GlobalAveragePlanes : Planning.IKernel, Planning.IDescribedKernel
{
    private readonly int _planes, _size, _threads;
    private readonly WorkQueue _queue;
    private float* _x, _y;

    public GlobalAveragePlanes(int planes, int size, int threads)
    {
        _planes = planes;
        _size = size;
        _threads = Math.Max(1, threads);
        _queue = new WorkQueue(Group);
    }

    public string KernelName => "GlobalAveragePlanesGather8";

    public static bool Supports => AveragePlanes.Supported;

    public void Run(Planning.KernelArgs args)
    {
        _ = args.Inputs[0].Span<float>();
        _ = args.Outputs[0].Span<float>();
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _queue.Run((_planes + 7) / 8, _threads);
    }

    private void Group(int item, int worker)
    {
        int p0 = item * 8;
        if (p0 + 8 <= _planes && AveragePlanes.Supported)
        {
            AveragePlanes.EightWhole(_x + ((long)p0 * _size), _size, _size, _y + p0);
            return;
        }

        GlobalPoolReference.Average(_planes - p0, _size, _x + ((long)p0 * _size), _y + p0);
    }
}
