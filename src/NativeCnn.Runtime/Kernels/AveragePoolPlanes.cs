using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D float average pooling whose windows may reach the padding (Inception's and ShuffleNet's 3×3 pools with pad 1),
/// one vector lane per plane: 16 planes (8 without AVX-512) are copied into a [position][lane] tile, and each output
/// adds its window's taps inside the plane to +0 in <see cref="AveragePoolReference"/>'s order (rows, then columns),
/// then divides by the same count (the taps inside, or with count_include_pad those inside the padded extent; 0 for
/// a window with none). The same additions and division in every lane as the reference's scalar ones, so every output
/// is bitwise the reference's. The reference itself ran Inception v2's 8 pools in 24.6 of 35 ms.
/// <para>Work items: groups of planes, the last group overlapping the one before (it recomputes the same values).</para>
/// </summary>
internal sealed unsafe class AveragePoolPlanes : IKernel, IDescribedKernel, IOwnedMemory
{
    /// <summary>Largest input plane (positions) taken: a group's tile (≤ 256 KiB) stays in L2.</summary>
    public const int MaxInputPlane = 4096;

    private readonly int _planes, _inSize, _outSize, _lanes, _groups, _threads;
    private readonly int[] _tapStart, _taps;         // per output its inside taps (see PlaneTiles.Windows)
    private readonly float[] _count;                 // per output the divisor (0: no tap counted)
    private readonly ScratchFloats _scratch;         // per worker: input tile, output tile
    private readonly long _scratchPerWorker;
    private readonly WorkQueue _queue;
    private float* _x, _y;

    public AveragePoolPlanes(PoolParams p, bool countIncludePad, int threads)
    {
        var g = p.Window;
        _planes = p.Batch * p.Channels;
        _inSize = g.Input[1] * g.Input[2];
        _outSize = g.Output[1] * g.Output[2];
        _lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        _groups = (_planes + _lanes - 1) / _lanes;
        _threads = (long)_planes * _outSize * g.KernelSize < MaxPoolRows.ParallelMinTaps ? 1 : Math.Max(1, threads);
        PlaneTiles.Windows(g, out _tapStart, out _taps, out int[] padded);
        _count = new float[_outSize];
        for (int q = 0; q < _outSize; q++)
        {
            _count[q] = countIncludePad ? padded[q] : _tapStart[q + 1] - _tapStart[q];
        }

        _scratchPerWorker = ((long)(_inSize + _outSize) * _lanes) + 16;
        _scratch = ScratchFloats.Reserve(_scratchPerWorker * _threads);
        _queue = new WorkQueue(Group);
    }

    /// <summary>2-D (depth trivial), a plane of at most <see cref="MaxInputPlane"/> positions, at least one vector of planes, AVX2 or AVX-512.</summary>
    public static bool Supports(PoolParams p)
    {
        var g = p.Window;
        return g.Input[0] == 1 && g.Kernel[0] == 1 && g.Output[0] == 1 && g.Output[1] > 0 && g.Output[2] > 0
            && (long)g.Input[1] * g.Input[2] <= MaxInputPlane && (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated)
            && p.Batch * p.Channels >= (Vector512.IsHardwareAccelerated ? 16 : 8);
    }

    public string KernelName => Vector512.IsHardwareAccelerated ? "AveragePoolPlanes512" : "AveragePoolPlanes256";

    /// <summary>The window tap lists and divisors: tables; the tiles: scratch (shared block).</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Table(_tapStart);
        memory.Table(_taps);
        memory.Table(_count);
        memory.Scratch(_scratch);
    }

    public void Run(KernelArgs args)
    {
        _ = args.Inputs[0].Span<float>();     // asserts contiguity and element type
        _ = args.Outputs[0].Span<float>();
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _queue.Run(_groups, _threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Group(int group, int worker)
    {
        int lanes = _lanes, outSize = _outSize;
        int plane0 = Math.Min(group * lanes, _planes - lanes);
        float* tile = _scratch.Pointer + (worker * _scratchPerWorker);
        float* outTile = tile + ((long)_inSize * lanes);
        PlaneTiles.Load(_x + ((long)plane0 * _inSize), _inSize, lanes, tile);
        fixed (int* starts = _tapStart, taps = _taps)
        fixed (float* count = _count)
        {
            if (lanes == 16)
            {
                for (int q = 0; q < outSize; q++)
                {
                    var sum = Vector512<float>.Zero;
                    for (int t = starts[q]; t < starts[q + 1]; t++)
                    {
                        sum += Vector512.Load(tile + (taps[t] * 16));
                    }

                    (count[q] == 0 ? Vector512<float>.Zero : sum / Vector512.Create(count[q])).Store(outTile + (q * 16));
                }
            }
            else
            {
                for (int q = 0; q < outSize; q++)
                {
                    var sum = Vector256<float>.Zero;
                    for (int t = starts[q]; t < starts[q + 1]; t++)
                    {
                        sum += Vector256.Load(tile + (taps[t] * 8));
                    }

                    (count[q] == 0 ? Vector256<float>.Zero : sum / Vector256.Create(count[q])).Store(outTile + (q * 8));
                }
            }
        }

        PlaneTiles.Store(outTile, outSize, lanes, _y + ((long)plane0 * outSize));
    }
}
