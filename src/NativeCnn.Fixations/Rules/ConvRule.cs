using System.Buffers;
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
        float* xp = (float*)x.Pointer, wp = (float*)w.Pointer;
        long[] fix = ctx.OutputFixations(0).ToArray();
        var chosen = new long[fix.Length];
        bool anchor = ctx.Options.ConvLocation == ConvLocation.Anchor;

        // Output fixations are independent: fixed contiguous chunks, one per thread, each writing its own slots of
        // `chosen`, so the result does not depend on the thread count.
        int chunks = fix.Length >= 64 ? Math.Max(1, Math.Min(ctx.Options.Threads, fix.Length / 32)) : 1;
        var reads = new long[chunks];
        void Chunk(int c)
        {
            int from = (int)((long)fix.Length * c / chunks), to = (int)((long)fix.Length * (c + 1) / chunks);
            var rented = ArrayPool<double>.Shared.Rent(cpg);
            try
            {
                var contrib = rented.AsSpan(0, cpg);
                for (int q = from; q < to; q++)
                {
                    chosen[q] = One(fix[q], contrib, out long read);
                    reads[c] += read;
                }
            }
            finally
            {
                ArrayPool<double>.Shared.Return(rented);
            }
        }

        if (chunks == 1)
        {
            Chunk(0);
        }
        else
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, Chunk);
        }

        ctx.CountRead(reads.Sum());
        ctx.AddRange(0, chosen);

        // The input fixation of output fixation f; `read`: bytes of activations and weights read for it.
        long One(long f, Span<double> contrib, out long read)
        {
            int ox = (int)(f % win.W.OutSize);
            int oy = (int)(f / win.W.OutSize % win.H.OutSize);
            int co = (int)(f / win.PlaneOut % cout);
            int n = (int)(f / win.PlaneOut / cout);
            int g = co / coutPerGroup;
            var (ky0, ky1) = win.H.Taps(oy);
            var (kx0, kx1) = win.W.Taps(ox);
            int iy0 = win.H.Origin(oy), ix0 = win.W.Origin(ox);
            int dh = win.H.Dilation, dw = win.W.Dilation, len = kx1 - kx0;
            for (int cl = 0; cl < cpg; cl++)
            {
                float* xc = xp + (((long)n * win.C) + (g * cpg) + cl) * win.PlaneIn;
                float* wc = wp + (((long)co * cpg) + cl) * kh * kw;
                double sum = 0;
                for (int ky = ky0; ky < ky1; ky++)
                {
                    float* xr = xc + ((long)(iy0 + (ky * dh)) * inW) + ix0;
                    float* wr = wc + (ky * kw);
                    if (dw == 1)
                    {
                        sum += Simd.DotWide(xr + kx0, wr + kx0, len);
                    }
                    else
                    {
                        for (int kx = kx0; kx < kx1; kx++)
                        {
                            sum += (double)xr[kx * dw] * wr[kx];
                        }
                    }
                }

                contrib[cl] = sum;
            }

            read = (long)cpg * (ky1 - ky0) * len * 2 * sizeof(float);
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
}
