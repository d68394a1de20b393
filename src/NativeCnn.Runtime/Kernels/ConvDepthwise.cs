using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Depthwise 2-D convolution (one input channel per group, any channel multiplier, stride, padding, dilation):
/// <c>Y[n, co, oy, ox] = B[co] + Σ_{ky,kx} W[co, 0, ky, kx] · X[n, co / (C_out/group), oy·sh − ph + ky·dh, ox·sw − pw + kx·dw]</c>,
/// taps in the padding skipped. Each output vector (16 or 8 consecutive ox of one row, stride 1) accumulates its
/// taps in registers in the reference's order (bias, then ky, kx) with a separate multiply and add, so the result
/// is bitwise the <see cref="ConvReference"/> result; strided rows are read through a phase-split copy of the plane;
/// border columns take the scalar path.
/// One output plane per work item.
/// </summary>
internal sealed unsafe class ConvDepthwise : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    private readonly ConvParams _p;
    private readonly KernelIsa _isa;
    private readonly int _threads;
    private readonly WorkQueue _queue;
    private readonly int _phaseLength;              // ceil(W / sw)
    private readonly long _scratchPerWorker;
    private readonly ScratchFloats? _scratch;       // per worker: the phase-split input plane of a strided conv
    private float* _x, _w, _b, _y;

    /// <summary>The per-worker phase-split planes: scratch (the weights are read from the weight input every call).</summary>
    public void ReportMemory(OwnedMemory memory) => memory.Scratch(_scratch);

    public ConvDepthwise(ConvParams p, KernelIsa isa, int threads)
    {
        _p = p;
        _isa = isa;
        _threads = Math.Max(1, threads);
        _queue = new WorkQueue(Plane);
        var g = p.Window;
        int sw = g.Strides[2];
        _phaseLength = (g.Input[2] + sw - 1) / sw;
        if (sw > 1)
        {
            _scratchPerWorker = ((long)g.Input[1] * sw * _phaseLength) + 16;
            _scratch = ScratchFloats.Reserve(_scratchPerWorker * _threads);
        }

        _name = isa switch
        {
            KernelIsa.Vector512 => "ConvDepthwiseRowsAvx512",
            KernelIsa.Vector256 => "ConvDepthwiseRowsAvx2",
            _ => "ConvDepthwiseRowsScalar",
        };
    }

    private readonly string _name;
    private FusedActivation _activation;

    public string KernelName => _name + _activation.Suffix;

    /// <summary>The weights are read from the weight input every call.</summary>
    public bool ReadsWeightInput => true;

    /// <summary>The activation is applied to each output vector (and border output) in registers before it is stored.</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    public static bool Supports(ConvParams p) => ConvSgemm.Supports(p) && p.InPerGroup == 1;

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _w = (float*)args.Inputs[1].Pointer;
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        _y = (float*)args.Outputs[0].Pointer;
        _queue.Run(_p.Batch * _p.OutChannels, _threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plane(int plane, int worker)
    {
        var g = _p.Window;
        int n = plane / _p.OutChannels, co = plane % _p.OutChannels, ci = co / _p.OutPerGroup;
        int h = g.Input[1], w = g.Input[2], oh = g.Output[1], ow = g.Output[2];
        int kh = g.Kernel[1], kw = g.Kernel[2], sh = g.Strides[1], sw = g.Strides[2];
        int ph = g.PadsBegin[1], pw = g.PadsBegin[2], dh = g.Dilations[1], dw = g.Dilations[2];
        float* x = _x + ((((long)n * _p.InChannels) + ci) * g.InputSize);
        float* y = _y + ((long)plane * g.OutputSize);
        float* taps = _w + ((long)co * kh * kw);
        float bias = _b == null ? 0f : _b[co];
        var kind = _activation.Kind;
        var (p512, q512) = _activation.Parameters512;
        var (p256, q256) = _activation.Parameters256;

        // Columns whose every kx tap lies inside the row: ox·sw − pw ≥ 0 and ox·sw − pw + (kw−1)·dw < w.
        var (lo, hi) = WindowGeometry.ValidRange(ow, w - ((kw - 1) * dw), sw, pw, 0, 1);
        int x0 = Math.Min(lo, ow), x1 = Math.Clamp(hi, x0, ow);
        int lanes = _isa == KernelIsa.Vector512 ? 16 : _isa == KernelIsa.Vector256 ? 8 : 0;
        bool vector = lanes > 0;

        // Strided rows are read through a phase-split copy of the plane (row iy, phase r: X[iy, sw·j + r] at j), so
        // tap kx of output column ox, at ix = sw·(ox + m) + r with kx·dw − pw = sw·m + r, is a contiguous load.
        float* src = x;
        long rowLength = w;
        int q = _phaseLength;
        if (vector && sw > 1 && x1 - x0 >= 8)
        {
            src = _scratch!.Pointer + (worker * _scratchPerWorker);
            rowLength = (long)sw * q;
            for (int iy = 0; iy < h; iy++)
            {
                float* xr = x + ((long)iy * w);
                float* dr = src + (iy * rowLength);
                PhaseSplit.Row(xr, w, sw, q, dr);
            }
        }

        int* tapOffset = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
        {
            int t = (kx * dw) - pw;
            int m = WindowGeometry.FloorDiv(t, sw), r = t - (m * sw);
            tapOffset[kx] = sw == 1 ? t : (r * q) + m;
        }

        for (int oy = 0; oy < oh; oy++)
        {
            float* yRow = y + ((long)oy * ow);
            int iyBase = (oy * sh) - ph;
            int ox = 0;
            for (; ox < x0; ox++)
            {
                yRow[ox] = _activation.Scalar(Point(x, taps, bias, iyBase, (ox * sw) - pw, h, w, kh, kw, dh, dw));
            }

            if (vector && x1 - x0 >= 8)
            {
                // Whole vectors across the interior; the last one overlaps the previous so no interior column is scalar
                // (recomputing a column gives the same bits). 16 lanes when the interior is wide enough, else 8.
                int step = lanes == 16 && x1 - x0 >= 16 ? 16 : 8;
                for (; ox < x1; ox += step)
                {
                    int at = Math.Min(ox, x1 - step);
                    if (step == 16)
                    {
                        var v = Vector16(src + at, rowLength, tapOffset, taps, bias, iyBase, h, kh, kw, dh);
                        FusedActivation.Apply(v, kind, p512, q512).Store(yRow + at);
                    }
                    else
                    {
                        var v = Vector8(src + at, rowLength, tapOffset, taps, bias, iyBase, h, kh, kw, dh);
                        FusedActivation.Apply(v, kind, p256, q256).Store(yRow + at);
                    }
                }

                ox = x1;
            }

            for (; ox < ow; ox++)
            {
                yRow[ox] = _activation.Scalar(Point(x, taps, bias, iyBase, (ox * sw) - pw, h, w, kh, kw, dh, dw));
            }

        }
    }

    /// <summary>16 consecutive outputs whose taps are all inside the row: tap (ky, kx) of lane i reads <c>xs[iy·rowLength + tapOffset[kx] + i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Vector16(float* xs, long rowLength, int* tapOffset, float* taps, float bias, int iy0, int h, int kh, int kw, int dh)
    {
        var acc = Vector512.Create(bias);
        for (int ky = 0; ky < kh; ky++)
        {
            int iy = iy0 + (ky * dh);
            if ((uint)iy >= (uint)h)
            {
                continue;
            }

            float* xr = xs + (iy * rowLength);
            for (int kx = 0; kx < kw; kx++)
            {
                acc += Vector512.Create(taps[(ky * kw) + kx]) * Vector512.Load(xr + tapOffset[kx]);
            }
        }

        return acc;
    }

    /// <summary>As <see cref="Vector16"/> for 8 outputs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Vector8(float* xs, long rowLength, int* tapOffset, float* taps, float bias, int iy0, int h, int kh, int kw, int dh)
    {
        var acc = Vector256.Create(bias);
        for (int ky = 0; ky < kh; ky++)
        {
            int iy = iy0 + (ky * dh);
            if ((uint)iy >= (uint)h)
            {
                continue;
            }

            float* xr = xs + (iy * rowLength);
            for (int kx = 0; kx < kw; kx++)
            {
                acc += Vector256.Create(taps[(ky * kw) + kx]) * Vector256.Load(xr + tapOffset[kx]);
            }
        }

        return acc;
    }

    /// <summary>One output: bias, then the in-range taps in (ky, kx) order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Point(float* x, float* taps, float acc, int iy0, int ix0, int h, int w, int kh, int kw, int dh, int dw)
    {
        for (int ky = 0; ky < kh; ky++)
        {
            int iy = iy0 + (ky * dh);
            if ((uint)iy >= (uint)h)
            {
                continue;
            }

            float* xr = x + ((long)iy * w);
            for (int kx = 0; kx < kw; kx++)
            {
                int ix = ix0 + (kx * dw);
                if ((uint)ix < (uint)w)
                {
                    acc += taps[(ky * kw) + kx] * xr[ix];
                }
            }
        }

        return acc;
    }
}
