using System.Buffers;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// ConvTranspose (1-D or 2-D; strides, dilations, groups, pads, output_padding, output_shape, auto_pad). Input
/// position <c>iy</c> reaches output <c>oy = iy·s − p + ky·d</c> through tap <c>ky</c>, so an output fixation
/// <c>(n, co, oy, ox)</c> with <c>co</c> in group <c>g</c> (local index <c>col</c>) is fed by the taps with
/// <c>(oy + p − ky·d) mod s = 0</c> and <c>0 ≤ iy &lt; in</c>. Like Conv: for each input channel <c>ci</c> of the group,
/// <c>C[ci] = Σ_taps X[n,ci,iy,ix] · W[ci, col, ky, kx]</c> (double over exact float products, bias ignored);
/// channel = <c>argmax C</c> (ties to the lower channel). Location: <see cref="ConvLocation.Anchor"/> (default): the
/// input position whose kernel centre lands on the output, <c>⌊(oy + p − ⌊(k−1)/2⌋·d) / s⌋</c> clamped (the same
/// place for a stride-1 'same' layer, <c>⌊oy/2⌋</c> for the usual ×2 upsampler k = 4, p = 1);
/// <see cref="ConvLocation.ArgmaxInWindow"/>: the tap with the largest <c>X·W</c> in the chosen channel (ties to the
/// first tap in row-major order). An output no tap reaches (stride larger than the dilated kernel) gets the
/// group's first channel at the anchor. Pads are resolved as the operator resolves them: with output_shape or
/// SAME_UPPER/SAME_LOWER the total padding <c>s·(in−1) + output_padding + (k−1)·d + 1 − out</c> is split as
/// begin = ⌊total/2⌋ (SAME_UPPER) or total − ⌊total/2⌋ (otherwise).
/// </summary>
[FixationRule(OpKind.ConvTranspose)]
internal sealed unsafe class ConvTransposeRule : FixationRule
{
    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var y = ctx.Output(0);
        ctx.ExpectFloat(x, "input");
        ctx.ExpectFloat(w, "weight");
        int sr = x.Rank - 2;
        if (sr is < 1 or > 2 || w.Rank != x.Rank)
        {
            throw ctx.Error($"only 1-D and 2-D ConvTranspose is supported (input {ShapeUtil.Format(x.Shape)}, weight {ShapeUtil.Format(w.Shape)})");
        }

        int groups = (int)ctx.Node.GetInt("group", 1);
        int cin = x.Shape[1], coutPerGroup = w.Shape[1], cpg = cin / groups;
        if (groups < 1 || cin % groups != 0 || w.Shape[0] != cin || y.Shape[1] != coutPerGroup * groups)
        {
            throw ctx.Error($"weight {ShapeUtil.Format(w.Shape)} and group {groups} do not fit input {ShapeUtil.Format(x.Shape)} / output {ShapeUtil.Format(y.Shape)}");
        }

        var axes = Axes(ctx, x.Shape, y.Shape, w.Shape, sr);
        var ah = sr == 2 ? axes[0] : new Axis(1, 1, 0, 1, 1, 1);
        var aw = sr == 2 ? axes[1] : axes[0];
        int kh = ah.K, kw = aw.K;
        long planeIn = (long)ah.In * aw.In, planeOut = (long)ah.Out * aw.Out;
        float* xp = (float*)x.Pointer, wp = (float*)w.Pointer;
        Span<int> tyK = stackalloc int[kh];
        Span<int> tyI = stackalloc int[kh];
        Span<int> txK = stackalloc int[kw];
        Span<int> txI = stackalloc int[kw];
        var rented = ArrayPool<double>.Shared.Rent(cpg);
        try
        {
            var contrib = rented.AsSpan(0, cpg);
            foreach (long f in ctx.OutputFixations(0))
            {
                int ox = (int)(f % aw.Out), oy = (int)(f / aw.Out % ah.Out);
                int co = (int)(f / planeOut % y.Shape[1]), n = (int)(f / planeOut / y.Shape[1]);
                int g = co / coutPerGroup, col = co % coutPerGroup;
                int ny = ah.Taps(oy, tyK, tyI), nx = aw.Taps(ox, txK, txI);
                for (int cl = 0; cl < cpg; cl++)
                {
                    int ci = (g * cpg) + cl;
                    float* xc = xp + ((((long)n * cin) + ci) * planeIn);
                    float* wc = wp + ((((long)ci * coutPerGroup) + col) * kh * kw);
                    double sum = 0;
                    for (int a = 0; a < ny; a++)
                    {
                        for (int b = 0; b < nx; b++)
                        {
                            sum += (double)xc[((long)tyI[a] * aw.In) + txI[b]] * wc[(tyK[a] * kw) + txK[b]];
                        }
                    }

                    contrib[cl] = sum;
                }

                ctx.CountRead((long)cpg * ny * nx * 2 * sizeof(float));
                int best = Simd.ArgMax(contrib);
                int ch = (g * cpg) + best;
                int iy = ah.Anchor(oy), ix = aw.Anchor(ox);
                if (ctx.Options.ConvLocation == ConvLocation.ArgmaxInWindow && ny > 0 && nx > 0)
                {
                    float* xc = xp + ((((long)n * cin) + ch) * planeIn);
                    float* wc = wp + ((((long)ch * coutPerGroup) + col) * kh * kw);
                    float m = float.NegativeInfinity;
                    bool found = false;
                    // Row-major tap order: ky ascending, then kx ascending (Taps lists them ascending).
                    for (int a = 0; a < ny; a++)
                    {
                        for (int b = 0; b < nx; b++)
                        {
                            float v = xc[((long)tyI[a] * aw.In) + txI[b]] * wc[(tyK[a] * kw) + txK[b]];
                            if (v > m || (!found && v == m))
                            {
                                (m, iy, ix, found) = (v, tyI[a], txI[b], true);
                            }
                        }
                    }
                }

                ctx.Add(0, ((((long)n * cin) + ch) * planeIn) + ((long)iy * aw.In) + ix);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>One spatial axis: input <c>i</c> reaches output <c>i·S − P + k·D</c>.</summary>
    private readonly record struct Axis(int S, int D, int P, int K, int In, int Out)
    {
        /// <summary>Lists the taps (kernel index, input index) that reach output <paramref name="o"/>, kernel index ascending.</summary>
        public int Taps(int o, Span<int> k, Span<int> i)
        {
            int count = 0;
            for (int kk = 0; kk < K; kk++)
            {
                int t = o + P - (kk * D);
                if (t >= 0 && t % S == 0 && t / S < In)
                {
                    k[count] = kk;
                    i[count++] = t / S;
                }
            }

            return count;
        }

        public int Anchor(int o) => Math.Clamp((int)Math.Floor((o + P - ((K - 1) / 2 * D)) / (double)S), 0, In - 1);
    }

    private static Axis[] Axes(RuleContext ctx, int[] xs, int[] ys, int[] ws, int sr)
    {
        var node = ctx.Node;
        var strides = node.GetInts("strides") ?? Enumerable.Repeat(1L, sr).ToArray();
        var dilations = node.GetInts("dilations") ?? Enumerable.Repeat(1L, sr).ToArray();
        var outPad = node.GetInts("output_padding") ?? new long[sr];
        var pads = node.GetInts("pads");
        string autoPad = node.GetString("auto_pad", "NOTSET");
        bool fromTotal = node.GetInts("output_shape") is not null || autoPad is "SAME_UPPER" or "SAME_LOWER";
        var axes = new Axis[sr];
        for (int a = 0; a < sr; a++)
        {
            int s = (int)strides[a], d = (int)dilations[a], k = ws[2 + a], inSize = xs[2 + a], outSize = ys[2 + a];
            int begin;
            if (fromTotal)
            {
                int total = (s * (inSize - 1)) + (int)outPad[a] + ((k - 1) * d) + 1 - outSize;
                int half = (int)Math.Floor(total / 2.0);
                begin = autoPad == "SAME_UPPER" ? half : total - half;
            }
            else
            {
                begin = autoPad is "NOTSET" or "" && pads is not null ? (int)pads[a] : 0;
            }

            axes[a] = new Axis(s, d, begin, k, inSize, outSize);
        }

        return axes;
    }
}
