using System.Buffers;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Conv (any stride, padding incl. auto_pad, dilation, groups; 1-D or 2-D). For an output fixation
/// <c>(n, co, y, x)</c> with <c>co</c> in group <c>g</c>, over the input channels <c>ci</c> of that group:
/// <c>C[ci] = Σ_{ky,kx in window} A[n,ci,y·s−p+ky·d, x·s−p+kx·d] · W[co, ci−g·Cin/G, ky, kx]</c> (bias ignored,
/// taps in the padding skipped; the sums are accumulated in double over exact float products, so the choice does
/// not depend on the SIMD width); the channel is <c>argmax C</c> (ties to the lower channel). The location is the
/// window's centre (<see cref="ConvLocation.Anchor"/>) or the argmax of <c>A[ch] ⊙ W[co,ch]</c> inside the
/// window (<see cref="ConvLocation.ArgmaxInWindow"/>, ties to the first tap in row-major order).
/// <para>Weights: the node's own weight input is used even when the planner folded a following
/// BatchNormalization into the conv (the folded weight scales <c>W[co]</c> by <c>γ/σ</c>, which would turn the
/// argmax into an argmin for negative γ); BN is a pass-through in the reference, so this reproduces it.</para>
/// <para>Rows of the window are contiguous in NCHW, so each row's contribution is one SIMD dot product.</para>
/// </summary>
[FixationRule(OpKind.Conv)]
internal sealed unsafe class ConvRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        string wName = ctx.Node.HasInput(1) && ctx.TryValue(ctx.Node.Inputs[1], out _) ? ctx.Node.Inputs[1] : ctx.Step.Inputs[1];
        var w = ctx.Value(wName);
        var y = ctx.Output(0);
        ctx.ExpectFloat(x, "input");
        ctx.ExpectFloat(w, "weight");
        var kernel = w.Shape[2..];
        var win = Window2d.Resolve(ctx.Node, x.Shape, y.Shape, kernel, ctx.Error);
        int cout = w.Shape[0], cpg = w.Shape[1];
        int groups = (int)ctx.Node.GetInt("group", 1);
        if (groups < 1 || cout % groups != 0 || cpg * groups != win.C || y.Shape[1] != cout)
        {
            throw ctx.Error($"weight {Runtime.ShapeUtil.Format(w.Shape)} and group {groups} do not fit input {Runtime.ShapeUtil.Format(x.Shape)}");
        }

        int coutPerGroup = cout / groups;
        int kh = win.H.Kernel, kw = win.W.Kernel, inW = win.W.InSize;
        int dh = win.H.Dilation, dw = win.W.Dilation;
        float* xp = (float*)x.Pointer, wp = (float*)w.Pointer;
        long[] fix = ctx.OutputFixations(0).ToArray();
        var chosen = new long[fix.Length];
        bool anchor = ctx.Options.ConvLocation == ConvLocation.Anchor;

        // Geometry of each output fixation, then its contributions C[cl] for all input channels of its group. The
        // contributions are computed channel-major over blocks of fixations (for each channel, every fixation of the
        // block, in address order), so each input plane is read once per block in increasing address order instead of
        // being revisited per fixation with a plane-sized stride (latency bound). Every C[q, cl] is the same sum, in
        // the same order, as a per-fixation loop; only the order in which the independent sums are formed changes.
        var geo = new Geo[fix.Length];
        long read = 0;
        for (int q = 0; q < fix.Length; q++)
        {
            long f = fix[q];
            int ox = (int)(f % win.W.OutSize);
            int oy = (int)(f / win.W.OutSize % win.H.OutSize);
            int co = (int)(f / win.PlaneOut % cout);
            int n = (int)(f / win.PlaneOut / cout);
            int g = co / coutPerGroup;
            var (ky0, ky1) = win.H.Taps(oy);
            var (kx0, kx1) = win.W.Taps(ox);
            int iy0 = win.H.Origin(oy), ix0 = win.W.Origin(ox);
            long xBase = ((((long)n * win.C) + (g * cpg)) * win.PlaneIn) + ((long)(iy0 + (ky0 * dh)) * inW) + ix0;
            geo[q] = new Geo(n, co, g, oy, ox, ky0, ky1, kx0, kx1, iy0, ix0, xBase, (long)co * cpg * kh * kw);
            read += (long)cpg * (ky1 - ky0) * (kx1 - kx0) * 2 * sizeof(float);
        }

        ctx.CountRead(read);
        int block = Math.Max(1, Math.Min(fix.Length, BlockDoubles / Math.Max(1, cpg)));
        var contrib = ArrayPool<double>.Shared.Rent(Math.Max(1, block * cpg));
        var order = new int[Math.Min(block, fix.Length)];
        var keys = new long[order.Length];
        try
        {
            for (int q0 = 0; q0 < fix.Length; q0 += block)
            {
                int count = Math.Min(block, fix.Length - q0);
                for (int i = 0; i < count; i++)
                {
                    order[i] = q0 + i;
                    keys[i] = geo[q0 + i].XBase;
                }

                Array.Sort(keys, order, 0, count);
                Contributions(q0, count);
                for (int i = 0; i < count; i++)
                {
                    chosen[q0 + i] = Choose(geo[q0 + i], contrib.AsSpan(i * cpg, cpg));
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(contrib);
        }

        ctx.AddRange(0, chosen);

        // C[q, cl] for the block's fixations, channels split into fixed ranges over threads (or fixations, when a group
        // has few channels); each C[q, cl] is written by exactly one worker, so the result does not depend on the count.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Contributions(int q0, int count)
        {
            long work = (long)count * cpg * kh * kw;
            int workers = work >= ParallelWork ? Math.Max(1, ctx.Options.Threads) : 1;
            bool byChannel = cpg >= 4 * workers;
            int parts = byChannel ? Math.Min(workers, cpg) : Math.Min(workers, count);
            if (parts <= 1)
            {
                Range(q0, 0, count, 0, cpg);
                return;
            }

            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, t =>
            {
                if (byChannel)
                {
                    Range(q0, 0, count, (int)((long)cpg * t / parts), (int)((long)cpg * (t + 1) / parts));
                }
                else
                {
                    Range(q0, (int)((long)count * t / parts), (int)((long)count * (t + 1) / parts), 0, cpg);
                }
            });
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        void Range(int q0, int i0, int i1, int cl0, int cl1)
        {
            // Captured variables copied to locals: the closure's fields would be reloaded in the loop.
            int[] ord = order;
            Geo[] ge = geo;
            double[] con = contrib;
            float* xb = xp, wb = wp;
            long plane = win.PlaneIn, rowStep = (long)dh * inW;
            int kk = kh * kw, kwl = kw, dwl = dw, cpgl = cpg;
            // Four channels at once in double lanes where DotWide takes its scalar path (a row shorter than a vector):
            // per lane the same products and the same additions in the same order (row sums from 0, then the window
            // sum from 0), so the values are identical to the scalar loop below.
            bool quads = Avx.IsSupported && dwl == 1;
            int cl = cl0;

            // Eight channels at once with AVX-512: each tap's eight inputs (a plane apart) and eight weights (kh·kw apart)
            // are gathered and widened to double, then exactly the arithmetic of the quads below, per lane.
            // (Rows as long as a float vector take DotWide's vector path in the quads loop, with other sums: not here.)
            bool octs = quads && Avx512F.IsSupported && kwl < Vector<float>.Count && (long)plane * 7 <= int.MaxValue && (long)kk * 7 <= int.MaxValue;
            if (octs)
            {
                int pl = (int)plane;
                var xIdx = Vector256.Create(0, pl, 2 * pl, 3 * pl, 4 * pl, 5 * pl, 6 * pl, 7 * pl);
                var wIdx = Vector256.Create(0, kk, 2 * kk, 3 * kk, 4 * kk, 5 * kk, 6 * kk, 7 * kk);
                bool rows4 = kwl <= 4;
                bool oneByOne = kk == 1;
                if (cl + 8 <= cl1)
                {
                    // The first eight channels' windows and weights, all requested before any is used (the loop below
                    // prefetches each next eight one pass ahead).
                    for (int i = i0; i < i1; i++)
                    {
                        ref readonly var e = ref ge[ord[i]];
                        float* wa = wb + e.WBase + ((long)cl * kk);
                        for (int o = 0; o < 8 * kk; o += 16)
                        {
                            Sse.Prefetch0(wa + o);
                        }

                        Sse.Prefetch0(wa + (8 * kk) - 1);
                        float* xa = xb + e.XBase + (cl * plane) + e.Kx0;
                        for (int ky = e.Ky0; ky < e.Ky1; ky++)
                        {
                            float* xr = xa + ((ky - e.Ky0) * rowStep);
                            for (int c = 0; c < 8; c++)
                            {
                                Sse.Prefetch0(xr + (c * plane));
                            }
                        }
                    }
                }

                for (; cl + 8 <= cl1; cl += 8)
                {
                    bool ahead = cl + 16 <= cl1;
                    for (int i = i0; i < i1; i++)
                    {
                        int q = ord[i];
                        ref readonly var e = ref ge[q];
                        float* xc = xb + e.XBase + (cl * plane);
                        float* wc = wb + e.WBase + ((long)cl * kk);
                        int kx0 = e.Kx0, kx1 = e.Kx1, ky0 = e.Ky0, ky1 = e.Ky1;
                        if (ahead)
                        {
                            // The next eight channels' windows and weights: read one pass over the block from now.
                            float* wa = wc + (8 * kk);
                            for (int o = 0; o < 8 * kk; o += 16)
                            {
                                Sse.Prefetch0(wa + o);
                            }

                            Sse.Prefetch0(wa + (8 * kk) - 1);
                            float* xa = xc + (8 * plane) + kx0;
                            for (int ky = ky0; ky < ky1; ky++)
                            {
                                float* xr = xa + ((ky - ky0) * rowStep);
                                for (int c = 0; c < 8; c++)
                                {
                                    Sse.Prefetch0(xr + (c * plane));
                                }
                            }
                        }

                        var sum = Vector512<double>.Zero;
                        if (oneByOne)
                        {
                            // 1×1: the eight weights are contiguous; the eight inputs one gather.
                            var rs = Vector512<double>.Zero;
                            if (ky1 > ky0 && kx1 > kx0)
                            {
                                rs += Avx512F.ConvertToVector512Double(Avx2.GatherVector256(xc + kx0, xIdx, 4)) *
                                    Avx512F.ConvertToVector512Double(Avx.LoadVector256(wc));
                                sum += rs;
                            }

                            sum.CopyTo(con, ((q - q0) * cpgl) + cl);
                            continue;
                        }

                        if (rows4)
                        {
                            // Rows of at most 4 taps: each channel's row is one masked load (no read past the row's
                            // taps), the eight rows transposed in registers to one vector per tap; the same products and
                            // additions as the gathers below.
                            int len = kx1 - kx0;
                            var mask = Vector128.GreaterThan(Vector128.Create(len), Vector128.Create(0, 1, 2, 3)).AsSingle();
                            for (int ky = ky0; ky < ky1; ky++)
                            {
                                float* xr = xc + ((ky - ky0) * rowStep) + kx0;
                                float* wr = wc + (ky * kwl) + kx0;
                                Transpose8x4(xr, plane, mask, out var x0, out var x1, out var x2, out var x3);
                                Transpose8x4(wr, kk, mask, out var w0, out var w1, out var w2, out var w3);
                                var rs = Vector512<double>.Zero;
                                if (len > 0)
                                {
                                    rs += Avx512F.ConvertToVector512Double(x0) * Avx512F.ConvertToVector512Double(w0);
                                }

                                if (len > 1)
                                {
                                    rs += Avx512F.ConvertToVector512Double(x1) * Avx512F.ConvertToVector512Double(w1);
                                }

                                if (len > 2)
                                {
                                    rs += Avx512F.ConvertToVector512Double(x2) * Avx512F.ConvertToVector512Double(w2);
                                }

                                if (len > 3)
                                {
                                    rs += Avx512F.ConvertToVector512Double(x3) * Avx512F.ConvertToVector512Double(w3);
                                }

                                sum += rs;
                            }

                            sum.CopyTo(con, ((q - q0) * cpgl) + cl);
                            continue;
                        }

                        for (int ky = ky0; ky < ky1; ky++)
                        {
                            float* xr = xc + ((ky - ky0) * rowStep);
                            float* wr = wc + (ky * kwl);
                            var rs = Vector512<double>.Zero;
                            for (int kx = kx0; kx < kx1; kx++)
                            {
                                var xv = Avx512F.ConvertToVector512Double(Avx2.GatherVector256(xr + kx, xIdx, 4));
                                var wv = Avx512F.ConvertToVector512Double(Avx2.GatherVector256(wr + kx, wIdx, 4));
                                rs += xv * wv;
                            }

                            sum += rs;
                        }

                        sum.CopyTo(con, ((q - q0) * cpgl) + cl);
                    }
                }
            }

            for (; quads && cl + 4 <= cl1; cl += 4)
            {
                for (int i = i0; i < i1; i++)
                {
                    int q = ord[i];
                    ref readonly var e = ref ge[q];
                    float* xc = xb + e.XBase + (cl * plane);
                    float* wc = wb + e.WBase + ((long)cl * kk);
                    int kx0 = e.Kx0, kx1 = e.Kx1, ky0 = e.Ky0, ky1 = e.Ky1;
                    if (cl + 4 + Ahead <= cl1)
                    {
                        float* wa = wc + (Ahead * kk);
                        Sse.Prefetch0(wa);
                        Sse.Prefetch0(wa + (2 * kk));
                        float* xa = xc + (Ahead * plane) + kx0;
                        for (int ky = ky0; ky < ky1; ky++)
                        {
                            float* xr = xa + ((ky - ky0) * rowStep);
                            Sse.Prefetch0(xr);
                            Sse.Prefetch0(xr + plane);
                            Sse.Prefetch0(xr + (2 * plane));
                            Sse.Prefetch0(xr + (3 * plane));
                        }
                    }

                    int qc = (q - q0) * cpgl;
                    if (Vector.IsHardwareAccelerated && kx1 - kx0 >= Vector<float>.Count)
                    {
                        for (int c = 0; c < 4; c++)
                        {
                            con[qc + cl + c] = Window(xc + (c * plane), wc + (c * kk), in e);
                        }

                        continue;
                    }

                    var sum = Vector256<double>.Zero;
                    for (int ky = ky0; ky < ky1; ky++)
                    {
                        float* xr = xc + ((ky - ky0) * rowStep);
                        float* wr = wc + (ky * kwl);
                        var rs = Vector256<double>.Zero;
                        for (int kx = kx0; kx < kx1; kx++)
                        {
                            var xv = Avx.ConvertToVector256Double(Vector128.Create(xr[kx], xr[kx + plane], xr[kx + (2 * plane)], xr[kx + (3 * plane)]));
                            var wv = Avx.ConvertToVector256Double(Vector128.Create(wr[kx], wr[kx + kk], wr[kx + (2 * kk)], wr[kx + (3 * kk)]));
                            rs += xv * wv;
                        }

                        sum += rs;
                    }

                    sum.CopyTo(con, qc + cl);
                }
            }

            for (; cl < cl1; cl++)
            {
                for (int i = i0; i < i1; i++)
                {
                    int q = ord[i];
                    ref readonly var e = ref ge[q];
                    float* xc = xb + e.XBase + (cl * plane);
                    float* wc = wb + e.WBase + ((long)cl * kk);
                    if (Sse.IsSupported && cl + Ahead < cl1)
                    {
                        // The same window and weights Ahead channels on: one pass over the block ago it was this one.
                        Sse.Prefetch0(wc + (Ahead * kk));
                        float* xa = xc + (Ahead * plane) + e.Kx0;
                        for (int ky = e.Ky0; ky < e.Ky1; ky++)
                        {
                            Sse.Prefetch0(xa + ((ky - e.Ky0) * rowStep));
                        }
                    }

                    con[((q - q0) * cpgl) + cl] = Window(xc, wc, in e);
                }
            }

            // C for one channel: Σ over the window's valid rows of the row's dot product (DotWide), in double.
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            double Window(float* xc, float* wc, in Geo e)
            {
                int len = e.Kx1 - e.Kx0;
                double sum = 0;
                for (int ky = e.Ky0; ky < e.Ky1; ky++)
                {
                    float* xr = xc + ((ky - e.Ky0) * rowStep);
                    float* wr = wc + (ky * kwl);
                    if (dwl == 1)
                    {
                        sum += Simd.DotWide(xr + e.Kx0, wr + e.Kx0, len);
                    }
                    else
                    {
                        for (int kx = e.Kx0; kx < e.Kx1; kx++)
                        {
                            sum += (double)xr[kx * dwl] * wr[kx];
                        }
                    }
                }

                return sum;
            }
        }

        // Rows p, p + stride, … p + 7·stride (the first 'mask' lanes of each) as four vectors, one per tap, lanes = rows.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Transpose8x4(float* p, long stride, Vector128<float> mask, out Vector256<float> k0, out Vector256<float> k1, out Vector256<float> k2, out Vector256<float> k3)
        {
            var a0 = Vector256.Create(Avx.MaskLoad(p, mask), Avx.MaskLoad(p + (4 * stride), mask));
            var a1 = Vector256.Create(Avx.MaskLoad(p + stride, mask), Avx.MaskLoad(p + (5 * stride), mask));
            var a2 = Vector256.Create(Avx.MaskLoad(p + (2 * stride), mask), Avx.MaskLoad(p + (6 * stride), mask));
            var a3 = Vector256.Create(Avx.MaskLoad(p + (3 * stride), mask), Avx.MaskLoad(p + (7 * stride), mask));
            var t0 = Avx.UnpackLow(a0, a1);
            var t1 = Avx.UnpackLow(a2, a3);
            var t2 = Avx.UnpackHigh(a0, a1);
            var t3 = Avx.UnpackHigh(a2, a3);
            k0 = Avx.Shuffle(t0, t1, 0x44);
            k1 = Avx.Shuffle(t0, t1, 0xEE);
            k2 = Avx.Shuffle(t2, t3, 0x44);
            k3 = Avx.Shuffle(t2, t3, 0xEE);
        }

        // The input fixation of output fixation e, given its contributions.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        long Choose(in Geo e, ReadOnlySpan<double> contrib)
        {
            int n = e.N, co = e.Co, g = e.G, oy = e.Oy, ox = e.Ox;
            int ky0 = e.Ky0, ky1 = e.Ky1, kx0 = e.Kx0, kx1 = e.Kx1, iy0 = e.Iy0, ix0 = e.Ix0;
            int best = Simd.ArgMax(contrib);
            int ci = (g * cpg) + best;
            int cy, cx;
            if (anchor || ky1 <= ky0 || kx1 <= kx0)
            {
                cy = win.H.Anchor(oy);
                cx = win.W.Anchor(ox);
            }
            else
            {
                float* xc = xp + (((long)n * win.C) + ci) * win.PlaneIn;
                float* wc = wp + (((long)co * cpg) + best) * kh * kw;
                float m = float.NegativeInfinity;
                cy = iy0 + (ky0 * dh);
                cx = ix0 + (kx0 * dw);
                bool found = false;
                for (int ky = ky0; ky < ky1; ky++)
                {
                    for (int kx = kx0; kx < kx1; kx++)
                    {
                        int iy = iy0 + (ky * dh), ix = ix0 + (kx * dw);
                        float v = xc[((long)iy * inW) + ix] * wc[(ky * kw) + kx];
                        if (v > m || (!found && v == m))
                        {
                            m = v;
                            cy = iy;
                            cx = ix;
                            found = true;
                        }
                    }
                }
            }

            return ((((long)n * win.C) + ci) * win.PlaneIn) + ((long)cy * inW) + cx;
        }
    }

    /// <summary>Contributions buffered per block of fixations (doubles; 2 MiB).</summary>
    private const int BlockDoubles = 1 << 18;

    /// <summary>How many channels ahead the channel-major loop prefetches windows and weights (one channel is one pass over the block).</summary>
    private const int Ahead = 2;

    /// <summary>Multiply-adds below which a block is not split over threads (VGG-16's conv1_2, 62 fixations × 64 channels × 3×3 = 36K, gains).</summary>
    private const long ParallelWork = 1 << 14;

    /// <summary>
    /// An output fixation's coordinates, its valid taps, and the offsets of its window (channel 0 of its group, first
    /// valid row, column <c>ix0</c>) in the input and of <c>W[co]</c> in the weight.
    /// </summary>
    private readonly record struct Geo(
        int N, int Co, int G, int Oy, int Ox, int Ky0, int Ky1, int Kx0, int Kx1, int Iy0, int Ix0, long XBase, long WBase);
}
