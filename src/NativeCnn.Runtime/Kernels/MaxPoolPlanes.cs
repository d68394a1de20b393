using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D float max pooling with the int32 argmax auxiliary for small planes (at most <see cref="MaxInputPlane"/> inputs),
/// one vector lane per plane: a group of 16 planes (8 without AVX-512) is copied into a [position][lane] tile, and each
/// output takes its window's taps in the order of <see cref="MaxPoolRows"/>' scalar point (rows, then columns, only
/// the taps inside the plane; the window geometry is the same for every plane, so it is a list fixed at plan time):
/// the first inside tap, then "tap if tap &gt; best" with its plane-relative index (strictly greater: a NaN never
/// replaces, and a NaN first tap stays), a window with no tap inside gives 0 and −1. So every output and index is
/// bitwise that kernel's. Row by row, GoogLeNet's 3×3/1 pad-1 pools on 6×6 planes (832 channels) ran every output
/// through the scalar point: 0.29 ms each, ~1 G taps/s.
/// <para>Work items: groups of planes, the last group overlapping the one before (it recomputes the same values).</para>
/// </summary>
internal sealed unsafe class MaxPoolPlanes : IKernel, IDescribedKernel, IOwnedMemory
{
    /// <summary>Largest input plane (positions) taken: the tile of a group stays in L1.</summary>
    public const int MaxInputPlane = 256;

    private readonly int _planes, _inSize, _outSize, _lanes, _groups, _threads, _aux;
    private readonly int[] _tapStart;                // per output: its taps are _taps[_tapStart[q] .. _tapStart[q + 1])
    private readonly int[] _taps;                    // plane-relative input positions
    private readonly ScratchFloats _scratch;         // per worker: input tile, output tile, index tile
    private readonly long _scratchPerWorker;
    private readonly WorkQueue _queue;
    private float* _x, _y;
    private int* _argmax;

    public MaxPoolPlanes(PoolParams p, int aux, int threads)
    {
        _aux = aux;
        var g = p.Window;
        _planes = p.Batch * p.Channels;
        _inSize = g.Input[1] * g.Input[2];
        _outSize = g.Output[1] * g.Output[2];
        _lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        _groups = (_planes + _lanes - 1) / _lanes;
        long taps = (long)_planes * _outSize * g.KernelSize;
        _threads = taps < MaxPoolRows.ParallelMinTaps ? 1 : Math.Max(1, threads);

        // The taps of each window inside the plane, in MaxPoolRows.Point's order.
        PlaneTiles.Windows(g, out _tapStart, out _taps, out _);
        _scratchPerWorker = ((long)(_inSize + (2 * _outSize)) * _lanes) + 16;
        _scratch = ScratchFloats.Reserve(_scratchPerWorker * _threads);
        _queue = new WorkQueue(Group);
    }

    /// <summary>
    /// 2-D, stride 1, a plane of at most <see cref="MaxInputPlane"/> positions, at least one vector of planes, a vector
    /// ISA. Stride 2 stays with <see cref="MaxPoolRows"/>, whose narrow row kernel was faster (GoogLeNet 3×3/2 on 13×13:
    /// 0.041 against 0.081 ms); at stride 1 GoogLeNet's 13×13 pools went 0.119–0.129 → 0.108–0.118 ms, 6×6 0.29 → 0.035.
    /// </summary>
    public static bool Supports(PoolParams p, KernelIsa isa) =>
        MaxPoolRows.Supports(p) && isa != KernelIsa.Scalar && p.Window.Strides[1] == 1 && p.Window.Strides[2] == 1
        && (long)p.Window.Input[1] * p.Window.Input[2] <= MaxInputPlane
        && p.Batch * p.Channels >= (Vector512.IsHardwareAccelerated ? 16 : 8) && (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated);

    public string KernelName => Vector512.IsHardwareAccelerated ? "MaxPoolArgmaxPlanes512" : "MaxPoolArgmaxPlanes256";

    /// <summary>The window tap lists: tables; the tiles: scratch (shared block).</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Table(_tapStart);
        memory.Table(_taps);
        memory.Scratch(_scratch);
    }

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _argmax = (int*)args.Auxiliary[_aux].Pointer;
        _queue.Run(_groups, _threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Group(int group, int worker)
    {
        int lanes = _lanes, inSize = _inSize, outSize = _outSize;
        int plane0 = Math.Min(group * lanes, _planes - lanes);
        float* tile = _scratch.Pointer + (worker * _scratchPerWorker);
        float* outTile = tile + ((long)inSize * lanes);
        int* indexTile = (int*)(outTile + ((long)outSize * lanes));
        PlaneTiles.Load(_x + ((long)plane0 * inSize), inSize, lanes, tile);

        fixed (int* starts = _tapStart, taps = _taps)
        {
            if (lanes == 16)
            {
                for (int q = 0; q < outSize; q++)
                {
                    int t0 = starts[q], t1 = starts[q + 1];
                    Vector512<float> best;
                    Vector512<int> at;
                    if (t0 == t1)
                    {
                        best = Vector512<float>.Zero;
                        at = Vector512.Create(-1);
                    }
                    else
                    {
                        best = Vector512.Load(tile + (taps[t0] * 16));
                        at = Vector512.Create(taps[t0]);
                        for (int t = t0 + 1; t < t1; t++)
                        {
                            var v = Vector512.Load(tile + (taps[t] * 16));
                            var gt = Vector512.GreaterThan(v, best);
                            best = Vector512.ConditionalSelect(gt, v, best);
                            at = Vector512.ConditionalSelect(gt.AsInt32(), Vector512.Create(taps[t]), at);
                        }
                    }

                    best.Store(outTile + (q * 16));
                    at.Store(indexTile + (q * 16));
                }
            }
            else
            {
                for (int q = 0; q < outSize; q++)
                {
                    int t0 = starts[q], t1 = starts[q + 1];
                    Vector256<float> best;
                    Vector256<int> at;
                    if (t0 == t1)
                    {
                        best = Vector256<float>.Zero;
                        at = Vector256.Create(-1);
                    }
                    else
                    {
                        best = Vector256.Load(tile + (taps[t0] * 8));
                        at = Vector256.Create(taps[t0]);
                        for (int t = t0 + 1; t < t1; t++)
                        {
                            var v = Vector256.Load(tile + (taps[t] * 8));
                            var gt = Vector256.GreaterThan(v, best);
                            best = Vector256.ConditionalSelect(gt, v, best);
                            at = Vector256.ConditionalSelect(gt.AsInt32(), Vector256.Create(taps[t]), at);
                        }
                    }

                    best.Store(outTile + (q * 8));
                    at.Store(indexTile + (q * 8));
                }
            }
        }

        PlaneTiles.Store(outTile, outSize, lanes, _y + ((long)plane0 * outSize));
        PlaneTiles.Store(indexTile, outSize, lanes, _argmax + ((long)plane0 * outSize));
    }
}
