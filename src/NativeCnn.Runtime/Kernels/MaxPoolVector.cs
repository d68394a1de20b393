using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D float max pooling with argmax, eight outputs of a row per vector, bitwise the <see cref="MaxPoolReference"/>
/// result (values and argmax): the taps are scanned in the same (ky, kx) order and a tap replaces the running
/// maximum only where it is strictly greater (an ordered compare, so a NaN first tap is kept and a later NaN never
/// wins), selecting value and index together. A strided window reads the input through a per-worker copy of the
/// plane split by column phase (<c>P[iy, r, j] = X[iy, s·j + r]</c>), which makes every tap a contiguous load.
/// Columns whose window reaches into the padding, and tiny rows, take the scalar path.
/// </summary>
internal sealed unsafe class MaxPoolVector : IKernel, IDescribedKernel, IOwnedMemory
{
    private readonly PoolParams _p;
    private readonly int _threads;
    private readonly int _phaseLength;              // ceil(W / sw)
    private readonly long _scratchPerWorker;
    private readonly ScratchFloats? _scratch;
    private readonly WorkQueue _queue;
    private readonly int _aux;
    private float* _x, _y;
    private int* _argmax;

    /// <summary>The per-worker phase-split planes: scratch.</summary>
    public void ReportMemory(OwnedMemory memory) => memory.Scratch(_scratch);

    public MaxPoolVector(PoolParams p, int aux, int threads)
    {
        _p = p;
        _aux = aux;
        _threads = Math.Max(1, threads);
        var g = p.Window;
        int sw = g.Strides[2];
        _phaseLength = (g.Input[2] + sw - 1) / sw;
        if (sw > 1)
        {
            _scratchPerWorker = ((long)g.Input[1] * sw * _phaseLength) + 16;
            _scratch = ScratchFloats.Reserve(_scratchPerWorker * _threads);
        }

        _queue = new WorkQueue(Plane);
    }

    public string KernelName => "MaxPoolArgmaxRowsVector256";

    /// <summary>2-D (depth trivial) and at least one full vector of interior columns.</summary>
    public static bool Supports(PoolParams p)
    {
        var g = p.Window;
        return g.Input[0] == 1 && g.Kernel[0] == 1 && g.Output[0] == 1 && Vector256.IsHardwareAccelerated && Avx.IsSupported && g.Output[2] >= 8;
    }

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _argmax = (int*)args.Auxiliary[_aux].Pointer;
        _queue.Run(_p.Batch * _p.Channels, _threads);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plane(int plane, int worker)
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], oh = g.Output[1], ow = g.Output[2];
        int kh = g.Kernel[1], kw = g.Kernel[2], sh = g.Strides[1], sw = g.Strides[2];
        int ph = g.PadsBegin[1], pw = g.PadsBegin[2], dh = g.Dilations[1], dw = g.Dilations[2];
        float* x = _x + ((long)plane * g.InputSize);
        float* y = _y + ((long)plane * g.OutputSize);
        int* am = _argmax + ((long)plane * g.OutputSize);

        // Phase-split copy of the plane: row iy, phase r holds X[iy, sw·j + r] at j.
        float* src = x;
        long rowLength = w;
        int q = _phaseLength;
        if (sw > 1)
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

        // Tap kx of output column ox reads ix = sw·(ox + m) + r with t = kx·dw − pw = sw·m + r, 0 ≤ r < sw.
        int* tapOffset = stackalloc int[kw];
        for (int kx = 0; kx < kw; kx++)
        {
            int t = (kx * dw) - pw;
            int m = WindowGeometry.FloorDiv(t, sw), r = t - (m * sw);
            tapOffset[kx] = (r * q) + m;
        }

        var (lo, hi) = WindowGeometry.ValidRange(ow, w - ((kw - 1) * dw), sw, pw, 0, 1);
        int x0 = Math.Min(lo, ow), x1 = Math.Clamp(hi, x0, ow);
        long* ptrOffset = stackalloc long[kh * kw];
        int* idxOffset = stackalloc int[kh * kw];
        for (int oy = 0; oy < oh; oy++)
        {
            int iyBase = (oy * sh) - ph;
            float* yRow = y + ((long)oy * ow);
            int* aRow = am + ((long)oy * ow);
            int ox = 0;
            for (; ox < x0; ox++)
            {
                Point(x, iyBase, (ox * sw) - pw, h, w, kh, kw, dh, dw, out yRow[ox], out aRow[ox]);
            }

            if (x1 - x0 >= 8)
            {
                // The window's taps inside the image, in (ky, kx) order: where they read and the index they record.
                int taps = 0;
                for (int ky = 0; ky < kh; ky++)
                {
                    int iy = iyBase + (ky * dh);
                    if ((uint)iy >= (uint)h)
                    {
                        continue;
                    }

                    for (int kx = 0; kx < kw; kx++, taps++)
                    {
                        ptrOffset[taps] = (iy * rowLength) + tapOffset[kx];
                        idxOffset[taps] = (iy * w) + (kx * dw) - pw;
                    }
                }

                if (taps == 0)
                {
                    for (; ox < x1; ox++)
                    {
                        yRow[ox] = 0f;
                        aRow[ox] = -1;
                    }
                }
                else
                {
                    Columns(src, ptrOffset, idxOffset, taps, x0, x1, sw, yRow, aRow);
                }

                ox = x1;
            }

            for (; ox < ow; ox++)
            {
                Point(x, iyBase, (ox * sw) - pw, h, w, kh, kw, dh, dw, out yRow[ox], out aRow[ox]);
            }
        }
    }

    /// <summary>
    /// Output columns <c>[x0, x1)</c> (x1 − x0 ≥ 8) of one row, eight at a time (the last block overlapping): tap t
    /// reads <c>src[ptrOffset[t] + ox]</c> and records index <c>idxOffset[t] + ox·sw</c> per lane; the first tap,
    /// then each later one where strictly greater. Kept apart from <see cref="Plane"/> so its few live values stay
    /// in registers (inside Plane the JIT spilled the loop's operands).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Columns(float* src, long* ptrOffset, int* idxOffset, int taps, int x0, int x1, int sw, float* yRow, int* aRow)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * sw;
        int ox = x0;
        for (; ox + 16 <= x1; ox += 16)
        {
            float* s = src + ox;
            var base0 = lane + Vector256.Create(ox * sw);
            var base1 = base0 + Vector256.Create(8 * sw);
            var best0 = Vector256.Load(s + ptrOffset[0]);
            var best1 = Vector256.Load(s + ptrOffset[0] + 8);
            var first = Vector256.Create(idxOffset[0]);
            var index0 = base0 + first;
            var index1 = base1 + first;
            for (int t = 1; t < taps; t++)
            {
                float* r = s + ptrOffset[t];
                var v0 = Vector256.Load(r);
                var v1 = Vector256.Load(r + 8);
                var off = Vector256.Create(idxOffset[t]);
                index0 = Vector256.ConditionalSelect(Vector256.GreaterThan(v0, best0).AsInt32(), base0 + off, index0);
                index1 = Vector256.ConditionalSelect(Vector256.GreaterThan(v1, best1).AsInt32(), base1 + off, index1);
                best0 = Avx.Max(v0, best0);
                best1 = Avx.Max(v1, best1);
            }

            best0.Store(yRow + ox);
            best1.Store(yRow + ox + 8);
            index0.Store(aRow + ox);
            index1.Store(aRow + ox + 8);
        }

        for (; ox < x1; ox += 8)
        {
            int at = Math.Min(ox, x1 - 8);
            float* s = src + at;
            var baseIndex = lane + Vector256.Create(at * sw);
            var best = Vector256.Load(s + ptrOffset[0]);
            var index = baseIndex + Vector256.Create(idxOffset[0]);
            for (int t = 1; t < taps; t++)
            {
                var v = Vector256.Load(s + ptrOffset[t]);
                index = Vector256.ConditionalSelect(Vector256.GreaterThan(v, best).AsInt32(), baseIndex + Vector256.Create(idxOffset[t]), index);
                best = Avx.Max(v, best);
            }

            best.Store(yRow + at);
            index.Store(aRow + at);
        }
    }

    /// <summary>One output, exactly as <see cref="MaxPoolReference"/> (first valid tap, then strictly greater).</summary>
    private static void Point(float* x, int iy0, int ix0, int h, int w, int kh, int kw, int dh, int dw, out float value, out int argmax)
    {
        float best = 0f;
        int at = -1;
        for (int ky = 0; ky < kh; ky++)
        {
            int iy = iy0 + (ky * dh);
            if ((uint)iy >= (uint)h)
            {
                continue;
            }

            for (int kx = 0; kx < kw; kx++)
            {
                int ix = ix0 + (kx * dw);
                if ((uint)ix >= (uint)w)
                {
                    continue;
                }

                float v = x[((long)iy * w) + ix];
                if (at < 0 || v > best)
                {
                    best = v;
                    at = (iy * w) + ix;
                }
            }
        }

        value = best;
        argmax = at;
    }
}
