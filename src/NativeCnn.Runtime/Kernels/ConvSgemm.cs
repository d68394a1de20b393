using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The im2col matrix of one image and one channel group, packed panel by panel straight from the NCHW input
/// (no im2col buffer): <c>B[(ci·KH + ky)·KW + kx, oy·OW + ox] = X[ci, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw]</c>,
/// 0 where that falls in the padding. With a column stride sw &gt; 1 the rows may come from a phase-split copy of
/// the image, <c>phase[(ci·H + iy)·sw·q + r·q + j] = X[ci, iy, sw·j + r]</c> (q = ceil(W / sw), see
/// <see cref="PhaseSplit"/>), which turns each strided run of columns into a contiguous copy.
/// </summary>
internal readonly unsafe struct Im2colPanelSource(float* x, WindowGeometry g, float* phase = null) : ISgemmPanelSource
{
    private readonly float* _x = x;                 // (C_in/group, H, W) of this group
    private readonly float* _phase = phase;         // null, or the phase-split copy of _x
    private readonly int _q = (g.Input[2] + g.Strides[2] - 1) / g.Strides[2];
    private readonly int _h = g.Input[1], _w = g.Input[2], _ow = g.Output[2];
    private readonly int _kh = g.Kernel[1], _kw = g.Kernel[2];
    private readonly int _sh = g.Strides[1], _sw = g.Strides[2], _ph = g.PadsBegin[1], _pw = g.PadsBegin[2];
    private readonly int _dh = g.Dilations[1], _dw = g.Dilations[2];

    public int DirectEnd(int n0, int n1, int nr) => n0;

    public float* Panel(int k0, int kc, int n, int nr, out long ldb) => throw new InvalidOperationException();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int k0, int kc, int n0, int n1, int nr, float* dst)
    {
        int taps = _kh * _kw;
        int oy0 = n0 / _ow, ox0 = n0 % _ow;
        int ci = k0 / taps, tap = k0 % taps, ky = tap / _kw, kx = tap % _kw;
        for (int q = 0; q < kc; q++)
        {
            float* plane = _x + ((long)ci * _h * _w);
            var cursor = new PanelCursor(dst + (q * nr), kc * nr, nr);
            int oy = oy0, ox = ox0;
            for (int n = n0; n < n1;)
            {
                int seg = Math.Min(_ow - ox, n1 - n);
                int iy = (oy * _sh) - _ph + (ky * _dh);
                if ((uint)iy >= (uint)_h)
                {
                    cursor.Zero(seg);
                }
                else
                {
                    float* row = plane + ((long)iy * _w);
                    int ix0 = (ox * _sw) - _pw + (kx * _dw);
                    if (_sw == 1)
                    {
                        // Columns t with 0 ≤ ix0 + t < W are real pixels; the rest are padding.
                        int lo = Math.Clamp(-ix0, 0, seg), hi = Math.Clamp(_w - ix0, lo, seg);
                        cursor.Zero(lo);
                        cursor.Copy(row + ix0 + lo, hi - lo);
                        cursor.Zero(seg - hi);
                    }
                    else
                    {
                        // Columns t with 0 ≤ ix0 + t·sw < W: t in [ceil(−ix0 / sw), ceil((W − ix0) / sw)).
                        int lo = Math.Clamp(WindowGeometry.CeilDiv(-ix0, _sw), 0, seg);
                        int hi = Math.Clamp(WindowGeometry.CeilDiv(_w - ix0, _sw), lo, seg);
                        cursor.Zero(lo);
                        if (_phase != null)
                        {
                            // ix0 + t·sw = sw·(j0 + t) + r with j0 = floor(ix0 / sw): phase r, columns from j0.
                            int j0 = WindowGeometry.FloorDiv(ix0, _sw), r = ix0 - (j0 * _sw);
                            float* phaseRow = _phase + ((((long)ci * _h) + iy) * _sw * _q) + (r * _q);
                            cursor.Copy(phaseRow + j0 + lo, hi - lo);
                        }
                        else
                        {
                            cursor.Gather(row + ix0 + (lo * _sw), _sw, hi - lo);
                        }

                        cursor.Zero(seg - hi);
                    }
                }

                n += seg;
                ox = 0;
                oy++;
            }

            cursor.ZeroTail();
            if (++kx == _kw)
            {
                kx = 0;
                if (++ky == _kh)
                {
                    ky = 0;
                    ci++;
                }
            }
        }
    }
}

/// <summary>
/// 2-D convolution (float32, constant weights) as one packed SGEMM per image and group:
/// <c>Y[n, g·M + i, :] = B[g·M + i] + W_g[i, :] · im2col(X[n, group g])</c> with M = C_out/group,
/// K = C_in/group·KH·KW, N = OH·OW, so the NCHW output plane stack is the C matrix itself. A 1×1 stride-1 unpadded
/// conv reads X directly as B (its planes are the rows); any other shape packs B from the image
/// (<see cref="Im2colPanelSource"/>). Weights are packed per group at plan time. Oracle: <see cref="ConvReference"/>.
/// </summary>
internal sealed unsafe class ConvSgemm : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    private readonly ConvParams _p;
    private readonly SgemmPackedA[] _weights;       // per group: (C_out/group) × (C_in/group · KH · KW)
    private readonly ISgemm<DenseRowsPanelSource>? _pointwise;
    private readonly ISgemm<Im2colPanelSource>? _im2col;
    private readonly ScratchFloats? _phase;         // phase-split copy of one image group's input (strided windows)
    private readonly PerCallWeightPack? _perCall;   // low memory: one group's packed weights in scratch, packed each call from _w
    private readonly Tensor? _weightTensor;         // low memory: the weight tensor _w points into (kept alive; pinned)
    private readonly float* _w;

    /// <summary>The packed weights; the SGEMM's buffers, the phase-split copy and per-call packed weights: scratch.</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Weights(_weights);
        memory.Part(_perCall);
        memory.Part(_pointwise);
        memory.Part(_im2col);
        memory.Scratch(_phase);
    }

    /// <param name="sgemm">An SGEMM kernel name from <see cref="SgemmFactory.KernelsFor"/>; default: the best for the tier and shape.</param>
    /// <param name="perCallWeights">
    /// Low memory: the tensor <paramref name="w"/> points into. The kernel keeps no packed copy: it packs each group's
    /// weights from it into the plan's shared scratch at the start of each call (same bytes as the plan-time copy).
    /// </param>
    public ConvSgemm(ConvParams p, float* w, KernelIsa isa, int threads, string? sgemm = null, Tensor? perCallWeights = null)
    {
        _p = p;
        var g = p.Window;
        int m = p.OutPerGroup, k = p.InPerGroup * g.KernelSize, n = g.OutputSize;
        sgemm ??= SgemmFactory.Name(isa, m, n);
        ISgemmPackA packer;
        if (IsPointwise(p))
        {
            _pointwise = SgemmFactory.Create<DenseRowsPanelSource>(sgemm, m, n, k, threads);
            packer = _pointwise;
            _name = $"ConvPointwiseSgemm({sgemm})";
        }
        else
        {
            _im2col = SgemmFactory.Create<Im2colPanelSource>(sgemm, m, n, k, threads);
            packer = _im2col;
            if (UsesPhaseSplit(p))
            {
                _phase = ScratchFloats.Reserve((long)p.InPerGroup * g.Input[1] * g.Strides[2] * PhaseLength(g));
            }

            _name = $"ConvIm2colSgemm({sgemm})";
        }

        if (perCallWeights is not null)
        {
            _weightTensor = perCallWeights;
            _w = w;
            _perCall = new PerCallWeightPack(packer.AllocateA(m, k), threads);
            _weights = [];
            return;
        }

        _weights = new SgemmPackedA[p.Group];
        for (int grp = 0; grp < p.Group; grp++)
        {
            _weights[grp] = packer.PackWeights(m, k, w + ((long)grp * m * k), k, 1);
        }
    }

    private readonly string _name;
    private FusedActivation _activation;

    public string KernelName => _name + _activation.Suffix;

    /// <summary>Whether the weights are packed per call from the original tensor (low memory), not kept packed.</summary>
    public bool PacksWeightsPerCall => _perCall is not null;

    /// <summary>Only when it packs them per call (low memory).</summary>
    public bool ReadsWeightInput => PacksWeightsPerCall;

    /// <summary>The activation is applied by the SGEMM to each finished tile of the output.</summary>
    public void SetActivation(FusedActivation activation)
    {
        _activation = activation;
        if (_pointwise is not null)
        {
            _pointwise.Epilogue = activation;
        }
        else
        {
            _im2col!.Epilogue = activation;
        }
    }

    /// <summary>2-D (or 1-D) convs: the depth axis is trivial.</summary>
    public static bool Supports(ConvParams p) => p.Window.Input[0] == 1 && p.Window.Kernel[0] == 1 && p.Window.Output[0] == 1;

    /// <summary>
    /// Strided windows that read each input element many times (KH·KW ≥ 4·sh·sw) read the input through a
    /// phase-split copy (made once per image and group, C_in/group·H·W floats) instead of gathering every element
    /// with stride sw: ResNet-18's 7×7 stride-2 stem gathers 1.8 M elements from 150 k (1.49 → 1.21 ms, one core).
    /// For 3×3 stride 2 (each element read 2.25 times) the serial split cost more than it saved.
    /// </summary>
    public static bool UsesPhaseSplit(ConvParams p)
    {
        var g = p.Window;
        return g.Strides[2] > 1 && g.Kernel[1] * g.Kernel[2] >= 4 * g.Strides[1] * g.Strides[2];
    }

    private static int PhaseLength(WindowGeometry g) => (g.Input[2] + g.Strides[2] - 1) / g.Strides[2];

    /// <summary>1×1 kernel, stride 1, no padding: X's planes are already the B matrix.</summary>
    public static bool IsPointwise(ConvParams p)
    {
        var g = p.Window;
        return g.KernelSize == 1 && g.Strides.All(s => s == 1) && g.PadsBegin.All(v => v == 0) && g.PadsEnd.All(v => v == 0);
    }

    public void Run(KernelArgs args)
    {
        var g = _p.Window;
        float* x = (float*)args.Inputs[0].Pointer, y = (float*)args.Outputs[0].Pointer;
        float* b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        int m = _p.OutPerGroup;
        for (int n = 0; n < _p.Batch; n++)
        {
            for (int grp = 0; grp < _p.Group; grp++)
            {
                float* xg = x + ((((long)n * _p.InChannels) + ((long)grp * _p.InPerGroup)) * g.InputSize);
                float* yg = y + ((((long)n * _p.OutChannels) + ((long)grp * m)) * g.OutputSize);
                float* bg = b == null ? null : b + ((long)grp * m);
                SgemmPackedA weights;
                if (_perCall is not null)
                {
                    if (n == 0 || _p.Group > 1)
                    {
                        // One group: packed once per call, for every image; several: the buffer holds one group at a time.
                        _perCall.Fill(_w + ((long)grp * m * _perCall.Packed.K), _perCall.Packed.K, 1);
                    }

                    weights = _perCall.Packed;
                }
                else
                {
                    weights = _weights[grp];
                }

                if (_pointwise is not null)
                {
                    _pointwise.Run(weights, new DenseRowsPanelSource(xg, g.InputSize), bg, yg, g.OutputSize);
                }
                else
                {
                    float* phase = null;
                    if (_phase is not null)
                    {
                        phase = _phase.Pointer;
                        int w = g.Input[2], sw = g.Strides[2], q = PhaseLength(g);
                        long rows = (long)_p.InPerGroup * g.Input[1];
                        for (long row = 0; row < rows; row++)
                        {
                            PhaseSplit.Row(xg + (row * w), w, sw, q, phase + (row * sw * q));
                        }
                    }

                    _im2col!.Run(weights, new Im2colPanelSource(xg, g, phase), bg, yg, g.OutputSize);
                }
            }
        }
    }
}
