using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Depthwise convolution (one input channel per group) on planes too narrow for <see cref="ConvDepthwise"/>'s row
/// vectors, one vector lane per output channel: 16 output channels (8 without AVX-512) have their input planes copied
/// into a [position][lane] tile and their weights into a [tap][lane] block, and each output starts from the bias and
/// adds <c>w · x</c> (a multiply, then an add) for the window taps inside the plane in (ky, kx) order, the taps outside
/// skipped: the operations of <see cref="ConvDepthwise"/>'s scalar point, lane by lane, so every output is bitwise
/// that kernel's; the fused activation as its vector path applies it. There, ShuffleNet's 3×3 depthwise convs on
/// 14×14 and 7×7 planes ran every output through the scalar point with per-tap bounds checks (~8 GFLOP/s).
/// <para>Work items: (image, group of channels), the last group overlapping the one before (same values again).</para>
/// </summary>
internal sealed unsafe class ConvDepthwisePlanes : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    /// <summary>Largest input plane (positions) taken.</summary>
    public const int MaxInputPlane = 4096;

    private readonly ConvParams _p;
    private readonly int _inSize, _outSize, _lanes, _groupsPerImage, _threads, _kernelSize;
    private readonly int[] _tapStart, _tapPos, _tapIndex;   // per output: its inside taps' positions and kernel tap indices
    private readonly ScratchFloats _scratch;                 // per worker: input tile, weights block, output tile
    private readonly long _scratchPerWorker;
    private readonly WorkQueue _queue;
    private FusedActivation _activation;
    private float* _x, _w, _b, _y;

    public ConvDepthwisePlanes(ConvParams p, int threads)
    {
        _p = p;
        var g = p.Window;
        _inSize = g.Input[1] * g.Input[2];
        _outSize = g.Output[1] * g.Output[2];
        _kernelSize = g.Kernel[1] * g.Kernel[2];
        _lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        _groupsPerImage = (p.OutChannels + _lanes - 1) / _lanes;
        _threads = Math.Max(1, threads);
        PlaneTiles.Windows(g, out _tapStart, out _tapPos, out _, out _tapIndex);
        _scratchPerWorker = ((long)(_inSize + _kernelSize + _outSize + 1) * _lanes) + 16;
        _scratch = ScratchFloats.Reserve(_scratchPerWorker * _threads);
        _queue = new WorkQueue(Group);
    }

    /// <summary>
    /// Depthwise 2-D (see <see cref="ConvDepthwise.Supports"/>), at least one vector of output channels, a plane of at
    /// most <see cref="MaxInputPlane"/> positions, and output rows under 32 wide (wider rows run ConvDepthwise's vectors; at 28 wide this kernel ran ShuffleNet's 28×28 steps in half the time).
    /// </summary>
    public static bool Supports(ConvParams p, KernelIsa isa)
    {
        var g = p.Window;
        return ConvDepthwise.Supports(p) && isa != KernelIsa.Scalar && g.Input[0] == 1 && g.Kernel[0] == 1 && g.Output[0] == 1
            && g.Output[2] < 32 && (long)g.Input[1] * g.Input[2] <= MaxInputPlane
            && p.OutChannels >= (Vector512.IsHardwareAccelerated ? 16 : 8) && (Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated);
    }

    public string KernelName => (Vector512.IsHardwareAccelerated ? "ConvDepthwisePlanes512" : "ConvDepthwisePlanes256") + _activation.Suffix;

    /// <summary>The weights are read from the weight input every call.</summary>
    public bool ReadsWeightInput => true;

    public void SetActivation(FusedActivation activation) => _activation = activation;

    /// <summary>The window tap lists: tables; the tiles: scratch (shared block).</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Table(_tapStart);
        memory.Table(_tapPos);
        memory.Table(_tapIndex);
        memory.Scratch(_scratch);
    }

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _w = (float*)args.Inputs[1].Pointer;
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        _y = (float*)args.Outputs[0].Pointer;
        _queue.Run(_p.Batch * _groupsPerImage, _threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Group(int item, int worker)
    {
        int lanes = _lanes, inSize = _inSize, outSize = _outSize, ks = _kernelSize;
        int n = item / _groupsPerImage, co0 = Math.Min(item % _groupsPerImage * lanes, _p.OutChannels - lanes);
        float* tile = _scratch.Pointer + (worker * _scratchPerWorker);
        float* wt = tile + ((long)inSize * lanes);
        float* bias = wt + ((long)ks * lanes);
        float* outTile = bias + lanes;
        float* x = _x + ((long)n * _p.InChannels * inSize);
        bool gather = Avx.IsSupported;
        if (gather)
        {
            // The input tile by 8×8 register transposes (8 channels × 8 positions each), the position tail element-wise.
            int full = inSize & ~7;
            float** rows = stackalloc float*[8];
            for (int l0 = 0; l0 < lanes; l0 += 8)
            {
                for (int r = 0; r < 8; r++)
                {
                    rows[r] = x + ((long)((co0 + l0 + r) / _p.OutPerGroup) * inSize);
                }

                for (int i = 0; i < full; i += 8)
                {
                    Transpose8(rows, i, tile + (i * lanes) + l0, lanes);
                }

                for (int i = full; i < inSize; i++)
                {
                    for (int r = 0; r < 8; r++)
                    {
                        tile[(i * lanes) + l0 + r] = rows[r][i];
                    }
                }
            }
        }

        for (int l = 0; l < lanes; l++)
        {
            int co = co0 + l, ci = co / _p.OutPerGroup;
            float* src = x + ((long)ci * inSize);
            if (!gather)
            {
                for (int i = 0; i < inSize; i++)
                {
                    tile[(i * lanes) + l] = src[i];
                }
            }

            float* taps = _w + ((long)co * ks);
            for (int t = 0; t < ks; t++)
            {
                wt[(t * lanes) + l] = taps[t];
            }

            bias[l] = _b == null ? 0f : _b[co];
        }

        var kind = _activation.Kind;
        fixed (int* starts = _tapStart, pos = _tapPos, index = _tapIndex)
        {
            if (lanes == 16)
            {
                var b = Vector512.Load(bias);
                var (ap, aq) = _activation.Parameters512;
                int q = 0;
                for (; q + 4 <= outSize; q += 4)
                {
                    // Four outputs at once (four independent add chains instead of one): their common tap-count
                    // prefix together, then each one's remaining taps; every output still adds its taps in list order.
                    int s0 = starts[q], s1 = starts[q + 1], s2 = starts[q + 2], s3 = starts[q + 3], e3 = starts[q + 4];
                    int common = Math.Min(Math.Min(s1 - s0, s2 - s1), Math.Min(s3 - s2, e3 - s3));
                    Vector512<float> a0 = b, a1 = b, a2 = b, a3 = b;
                    for (int j = 0; j < common; j++)
                    {
                        a0 += Vector512.Load(wt + (index[s0 + j] * 16)) * Vector512.Load(tile + (pos[s0 + j] * 16));
                        a1 += Vector512.Load(wt + (index[s1 + j] * 16)) * Vector512.Load(tile + (pos[s1 + j] * 16));
                        a2 += Vector512.Load(wt + (index[s2 + j] * 16)) * Vector512.Load(tile + (pos[s2 + j] * 16));
                        a3 += Vector512.Load(wt + (index[s3 + j] * 16)) * Vector512.Load(tile + (pos[s3 + j] * 16));
                    }

                    for (int t = s0 + common; t < s1; t++)
                    {
                        a0 += Vector512.Load(wt + (index[t] * 16)) * Vector512.Load(tile + (pos[t] * 16));
                    }

                    for (int t = s1 + common; t < s2; t++)
                    {
                        a1 += Vector512.Load(wt + (index[t] * 16)) * Vector512.Load(tile + (pos[t] * 16));
                    }

                    for (int t = s2 + common; t < s3; t++)
                    {
                        a2 += Vector512.Load(wt + (index[t] * 16)) * Vector512.Load(tile + (pos[t] * 16));
                    }

                    for (int t = s3 + common; t < e3; t++)
                    {
                        a3 += Vector512.Load(wt + (index[t] * 16)) * Vector512.Load(tile + (pos[t] * 16));
                    }

                    FusedActivation.Apply(a0, kind, ap, aq).Store(outTile + (q * 16));
                    FusedActivation.Apply(a1, kind, ap, aq).Store(outTile + ((q + 1) * 16));
                    FusedActivation.Apply(a2, kind, ap, aq).Store(outTile + ((q + 2) * 16));
                    FusedActivation.Apply(a3, kind, ap, aq).Store(outTile + ((q + 3) * 16));
                }

                for (; q < outSize; q++)
                {
                    var acc = b;
                    for (int t = starts[q]; t < starts[q + 1]; t++)
                    {
                        acc += Vector512.Load(wt + (index[t] * 16)) * Vector512.Load(tile + (pos[t] * 16));
                    }

                    FusedActivation.Apply(acc, kind, ap, aq).Store(outTile + (q * 16));
                }
            }
            else
            {
                var b = Vector256.Load(bias);
                var (ap, aq) = _activation.Parameters256;
                for (int q = 0; q < outSize; q++)
                {
                    var acc = b;
                    for (int t = starts[q]; t < starts[q + 1]; t++)
                    {
                        acc += Vector256.Load(wt + (index[t] * 8)) * Vector256.Load(tile + (pos[t] * 8));
                    }

                    FusedActivation.Apply(acc, kind, ap, aq).Store(outTile + (q * 8));
                }
            }
        }

        float* yc = _y + ((((long)n * _p.OutChannels) + co0) * outSize);
        if (gather)
        {
            // The output tile back to planes by 8×8 register transposes, the position tail element-wise.
            int full = outSize & ~7;
            float** rows = stackalloc float*[8];
            for (int l0 = 0; l0 < lanes; l0 += 8)
            {
                for (int r = 0; r < 8; r++)
                {
                    rows[r] = yc + ((long)(l0 + r) * outSize);
                }

                for (int i = 0; i < full; i += 8)
                {
                    TransposeOut8(outTile + (i * lanes) + l0, lanes, rows, i);
                }

                for (int i = full; i < outSize; i++)
                {
                    for (int r = 0; r < 8; r++)
                    {
                        rows[r][i] = outTile[(i * lanes) + l0 + r];
                    }
                }
            }
        }
        else
        {
            PlaneTiles.Store(outTile, outSize, lanes, yc);
        }
    }

    /// <summary>Positions i..i+7 of 8 channel rows, stored as 8 position vectors of 8 channels (stride <paramref name="lanes"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(float** rows, int i, float* dst, int lanes)
    {
        PlaneTiles.Transpose8x8(
            Avx.LoadVector256(rows[0] + i), Avx.LoadVector256(rows[1] + i), Avx.LoadVector256(rows[2] + i), Avx.LoadVector256(rows[3] + i),
            Avx.LoadVector256(rows[4] + i), Avx.LoadVector256(rows[5] + i), Avx.LoadVector256(rows[6] + i), Avx.LoadVector256(rows[7] + i),
            out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
        Avx.Store(dst, o0);
        Avx.Store(dst + lanes, o1);
        Avx.Store(dst + (2 * lanes), o2);
        Avx.Store(dst + (3 * lanes), o3);
        Avx.Store(dst + (4 * lanes), o4);
        Avx.Store(dst + (5 * lanes), o5);
        Avx.Store(dst + (6 * lanes), o6);
        Avx.Store(dst + (7 * lanes), o7);
    }

    /// <summary>8 position vectors of 8 channels (stride <paramref name="lanes"/>) stored as positions i..i+7 of 8 channel rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransposeOut8(float* src, int lanes, float** rows, int i)
    {
        PlaneTiles.Transpose8x8(
            Avx.LoadVector256(src), Avx.LoadVector256(src + lanes), Avx.LoadVector256(src + (2 * lanes)), Avx.LoadVector256(src + (3 * lanes)),
            Avx.LoadVector256(src + (4 * lanes)), Avx.LoadVector256(src + (5 * lanes)), Avx.LoadVector256(src + (6 * lanes)), Avx.LoadVector256(src + (7 * lanes)),
            out var o0, out var o1, out var o2, out var o3, out var o4, out var o5, out var o6, out var o7);
        Avx.Store(rows[0] + i, o0);
        Avx.Store(rows[1] + i, o1);
        Avx.Store(rows[2] + i, o2);
        Avx.Store(rows[3] + i, o3);
        Avx.Store(rows[4] + i, o4);
        Avx.Store(rows[5] + i, o5);
        Avx.Store(rows[6] + i, o6);
        Avx.Store(rows[7] + i, o7);
    }
}
