using System.Buffers;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// LSTM (forward, reverse and bidirectional; layout 0 and 1; sequence_lens, peepholes, clip, input_forget), the
/// captioning path of the design: the four gates are traced back like a Gemm onto <c>x_t</c> and <c>h_{t−1}</c>,
/// step by step. A fixation is a unit <c>j</c> at a step <c>t</c> of direction <c>d</c>, batch row <c>b</c>, of one of
/// two kinds: hidden (<c>h_t[j]</c>: from Y, or from Y_h at the last step) or cell (<c>c_t[j]</c>: from Y_c at the
/// last step, or carried back from a later step).
/// <para>The rule is the Gemm rule applied to the cell linearised at the stored forward pass. With the stored
/// post-activation gates i, o, f, c~ (auxiliary <c>#gates</c>), cell states (<c>#cell</c>), hidden states
/// (<c>#hidden</c>) and the gate sums (<c>#preact</c>, only to tell whether clip cut a gate), the local derivatives
/// are products of stored values (σ' = g(1−g), tanh' = 1−g², a clipped gate has derivative 0):</para>
/// <code>
/// dc/dp_i = c~·σ'_i   (input_forget: (c~ − c_{t−1})·σ'_i)      dc/dp_f = c_{t−1}·σ'_f   (input_forget: 0)
/// dc/dp_c = i·tanh'(c~)                                        dc/dc_{t−1} = f + dc/dp_i·P_i + dc/dp_f·P_f
/// hidden: s_o = tanh(c_t)·σ'_o,   dz/dc = o·(1 − tanh²(c_t)) + s_o·P_o;   cell: s_o = 0, dz/dc = 1
/// s_g = dz/dc · dc/dp_g (g = i, f, c);   carry = dz/dc · dc/dc_{t−1}
/// </code>
/// Contributions (gradient × input, one step only, bias ignored), computed in double from the float32 values:
/// <c>x_t[i]: x_t[i]·Σ_g s_g·W[g·H+j, i]</c>, <c>h_{t−1}[k]: h_{t−1}[k]·Σ_g s_g·R[g·H+j, k]</c>,
/// <c>c_{t−1}[j]: carry·c_{t−1}[j]</c>. Every positive contribution is kept: <c>x_t[i]</c> becomes a fixation of X,
/// <c>h_{t−1}[k]</c> a hidden fixation and <c>c_{t−1}[j]</c> a cell fixation of the previous step (t−1 forward,
/// t+1 reverse), or of initial_h / initial_c before the first step. When nothing is positive the argmax over all
/// candidates (x first, then h, then the carry; a state before the first step counts only when initial_h /
/// initial_c is given) is kept, so that a path never ends silently. Steps are visited
/// from the last computed back to the first, so the fixations of a step are complete when it is reached; this is
/// how a word chosen at step t reaches the image embedding fed as x_0. Fixations on Y at t ≥ sequence_lens[b]
/// (zeros no input produced) are dropped. Every visited hidden / cell fixation is recorded on the auxiliary values
/// <c>#hidden</c> / <c>#cell</c> [T,D,B,H] of the result.
/// <para>The activations must be the defaults (Sigmoid, Tanh, Tanh): the derivatives above are those of σ and
/// tanh, expressed through their stored outputs.</para>
/// </summary>
[FixationRule(OpKind.LSTM)]
internal sealed unsafe class LstmRule : FixationRule
{
    private static readonly string[] DefaultActivations = ["sigmoid", "tanh", "tanh"];

    public override void Backtrack(RuleContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var r = ctx.Input(2);
        ctx.ExpectFloat(x, "X");
        ctx.ExpectFloat(w, "W");
        ctx.ExpectFloat(r, "R");
        var node = ctx.Node;
        string direction = node.GetString("direction", "forward");
        int layout = (int)node.GetInt("layout", 0);
        int D = w.Shape[0], H = r.Shape[2], I = w.Shape[2];
        int T = layout == 0 ? x.Shape[0] : x.Shape[1], B = layout == 0 ? x.Shape[1] : x.Shape[0];
        if (node.GetStrings("activations") is { } acts &&
            (acts.Length != 3 * D || acts.Where((a, k) => !a.Equals(DefaultActivations[k % 3], StringComparison.OrdinalIgnoreCase)).Any()))
        {
            throw ctx.Error($"activations [{string.Join(",", acts)}]: the rule's derivatives are those of the defaults Sigmoid, Tanh, Tanh");
        }

        float clip = node.Attribute("clip") is not null ? node.GetFloat("clip", 0f) : float.PositiveInfinity;
        bool inputForget = node.GetInt("input_forget", 0) != 0;
        var gates = Aux(ctx, "#gates");
        var cell = Aux(ctx, "#cell");
        var hidden = Aux(ctx, "#hidden");
        var preact = Aux(ctx, "#preact");
        float* gp = (float*)gates.Pointer, cp = (float*)cell.Pointer, hp = (float*)hidden.Pointer, pp = (float*)preact.Pointer;
        float* xp = (float*)x.Pointer, wp = (float*)w.Pointer, rp = (float*)r.Pointer;
        float* peep = ctx.HasInput(7) ? (float*)ctx.Input(7).Pointer : null;
        float* h0 = ctx.HasInput(5) ? (float*)ctx.Input(5).Pointer : null;
        float* c0 = ctx.HasInput(6) ? (float*)ctx.Input(6).Pointer : null;
        int[] lens = ctx.HasInput(4) ? ctx.Input(4).ToInt64Array().Select(l => (int)l).ToArray() : Enumerable.Repeat(T, B).ToArray();

        // Pending unit fixations, [T,D,B,H] like the auxiliary values.
        long units = (long)T * D * B * H;
        var hid = new bool[units];
        var cel = new bool[units];
        Seed(ctx, layout, T, D, B, H, lens, direction, hid, cel);

        int hidAux = Array.FindIndex(ctx.Step.Auxiliary, a => a.EndsWith("#hidden", StringComparison.Ordinal));
        int celAux = Array.FindIndex(ctx.Step.Auxiliary, a => a.EndsWith("#cell", StringComparison.Ordinal));
        var rented = ArrayPool<double>.Shared.Rent(I + H);
        try
        {
            var u = new Unit(ctx, gp, cp, hp, pp, xp, wp, rp, peep, h0, c0, T, D, B, I, H, layout, clip, inputForget, rented);
            for (int d = 0; d < D; d++)
            {
                bool reverse = direction == "reverse" || d == 1;
                for (int b = 0; b < B; b++)
                {
                    int len = lens[b];
                    for (int s = len - 1; s >= 0; s--)
                    {
                        int t = reverse ? len - 1 - s : s;
                        int prev = s == 0 ? -1 : reverse ? t + 1 : t - 1;
                        long a1 = ((((long)t * D) + d) * B + b) * H;
                        for (int j = 0; j < H; j++)
                        {
                            if (hid[a1 + j])
                            {
                                ctx.Record(hidAux, a1 + j);
                                u.Backtrack(t, prev, d, b, j, hiddenKind: true, hid, cel);
                            }

                            if (cel[a1 + j])
                            {
                                ctx.Record(celAux, a1 + j);
                                u.Backtrack(t, prev, d, b, j, hiddenKind: false, hid, cel);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static Runtime.TensorView Aux(RuleContext ctx, string suffix)
    {
        string name = ctx.Step.Auxiliary.FirstOrDefault(a => a.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw ctx.Error($"the step keeps no auxiliary '{suffix}' value");
        var v = ctx.Value(name);
        ctx.ExpectFloat(v, name);
        return v;
    }

    /// <summary>Turns the output fixations into unit fixations (Y → hidden at t; Y_h / Y_c → hidden / cell at the last step).</summary>
    private static void Seed(RuleContext ctx, int layout, int T, int D, int B, int H, int[] lens, string direction, bool[] hid, bool[] cel)
    {
        foreach (long f in ctx.OutputFixations(0))
        {
            int j = (int)(f % H);
            long rest = f / H;
            int t, d, b;
            if (layout == 0)
            {
                (b, d, t) = ((int)(rest % B), (int)(rest / B % D), (int)(rest / B / D));
            }
            else
            {
                (d, t, b) = ((int)(rest % D), (int)(rest / D % T), (int)(rest / D / T));
            }

            if (t < lens[b])
            {
                hid[((((long)t * D) + d) * B + b) * H + j] = true;
            }
        }

        for (int o = 1; o <= 2; o++)
        {
            foreach (long f in ctx.OutputFixations(o))
            {
                int j = (int)(f % H);
                long rest = f / H;
                (int d, int b) = layout == 0 ? ((int)(rest / B), (int)(rest % B)) : ((int)(rest % D), (int)(rest / D));
                int len = lens[b];
                if (len == 0)
                {
                    // The final state is the initial state: the point goes straight to initial_h / initial_c.
                    if (ctx.HasInput(o == 1 ? 5 : 6))
                    {
                        ctx.Add(o == 1 ? 5 : 6, f);
                    }

                    continue;
                }

                int t = direction == "reverse" || d == 1 ? 0 : len - 1;
                (o == 1 ? hid : cel)[((((long)t * D) + d) * B + b) * H + j] = true;
            }
        }
    }

    /// <summary>The contributions of one unit fixation (formulas in the class summary).</summary>
    private readonly struct Unit(
        RuleContext ctx, float* gp, float* cp, float* hp, float* pp, float* xp, float* wp, float* rp, float* peep, float* h0, float* c0,
        int T, int D, int B, int I, int H, int layout, float clip, bool inputForget, double[] scratch)
    {
        public void Backtrack(int t, int prev, int d, int b, int j, bool hiddenKind, bool[] hid, bool[] cel)
        {
            long a1 = ((((long)t * D) + d) * B + b) * H;
            long a4 = a1 * 4;
            long s1 = (layout == 0 ? ((long)d * B) + b : ((long)b * D) + d) * H; // into initial_h / initial_c
            double gi = gp[a4 + j], go = gp[a4 + H + j], gf = gp[a4 + (2 * H) + j], gc = gp[a4 + (3 * H) + j];
            double c = cp[a1 + j];
            long pa1 = prev < 0 ? -1 : ((((long)prev * D) + d) * B + b) * H;
            double cPrev = prev >= 0 ? cp[pa1 + j] : c0 is not null ? c0[s1 + j] : 0;
            double di = Active(pp[a4 + j]) ? gi * (1 - gi) : 0;
            double dO = Active(pp[a4 + H + j]) ? go * (1 - go) : 0;
            double df = Active(pp[a4 + (2 * H) + j]) && !inputForget ? gf * (1 - gf) : 0;
            double dg = Active(pp[a4 + (3 * H) + j]) ? 1 - (gc * gc) : 0;
            double pi = peep is null ? 0 : peep[(d * 3 * H) + j];
            double po = peep is null ? 0 : peep[(d * 3 * H) + H + j];
            double pf = peep is null || inputForget ? 0 : peep[(d * 3 * H) + (2 * H) + j];

            double dcdi = (inputForget ? gc - cPrev : gc) * di;
            double dcdf = cPrev * df;
            double dcdc = gi * dg;
            double dcdPrev = (inputForget ? 1 - gi : gf) + (dcdi * pi) + (dcdf * pf);
            double so, dzdc;
            if (hiddenKind)
            {
                double th = Math.Tanh(c);
                so = th * dO;
                dzdc = (go * (1 - (th * th))) + (so * po);
            }
            else
            {
                so = 0;
                dzdc = 1;
            }

            // Gate order of W, R, #gates: i, o, f, c.
            Span<double> s = [dzdc * dcdi, so, dzdc * dcdf, dzdc * dcdc];
            double carry = dzdc * dcdPrev;

            var weff = scratch.AsSpan(0, Math.Max(I, H));
            long xOff = (layout == 0 ? ((long)t * B) + b : ((long)b * T) + t) * I;
            Effective(wp + ((long)d * 4 * H * I), I, j, s, weff[..I]);
            ctx.CountRead(((4L * I) + I) * sizeof(float));
            int kept = 0;
            double best = double.NegativeInfinity;
            int bestKind = -1, bestIndex = 0;
            for (int i = 0; i < I; i++)
            {
                double p = weff[i] * xp[xOff + i];
                if (p > 0)
                {
                    ctx.Add(0, xOff + i);
                    kept++;
                }

                if (p > best)
                {
                    (best, bestKind, bestIndex) = (p, 0, i);
                }
            }

            Effective(rp + ((long)d * 4 * H * H), H, j, s, weff[..H]);
            ctx.CountRead(((4L * H) + H) * sizeof(float));
            for (int k = 0; k < H; k++)
            {
                double hk = prev >= 0 ? hp[pa1 + k] : h0 is not null ? h0[s1 + k] : 0;
                double p = weff[k] * hk;
                if (p > 0)
                {
                    HiddenBefore(prev, pa1, s1, k, hid);
                    kept++;
                }

                if (p > best && (prev >= 0 || h0 is not null))
                {
                    (best, bestKind, bestIndex) = (p, 1, k);
                }
            }

            double pc = carry * cPrev;
            if (pc > 0)
            {
                CellBefore(prev, pa1, s1, j, cel);
                kept++;
            }

            if (pc > best && (prev >= 0 || c0 is not null))
            {
                bestKind = 2;
            }

            if (kept == 0)
            {
                switch (bestKind)
                {
                    case 0: ctx.Add(0, xOff + bestIndex); break;
                    case 1: HiddenBefore(prev, pa1, s1, bestIndex, hid); break;
                    case 2: CellBefore(prev, pa1, s1, j, cel); break;
                    default: ctx.Add(0, xOff); break; // every contribution NaN: keep x_t[0]
                }
            }
        }

        private bool Active(float preact) => MathF.Abs(preact) <= clip;

        private void HiddenBefore(int prev, long pa1, long s1, int k, bool[] hid)
        {
            if (prev >= 0)
            {
                hid[pa1 + k] = true;
            }
            else if (ctx.HasInput(5))
            {
                ctx.Add(5, s1 + k);
            }
        }

        private void CellBefore(int prev, long pa1, long s1, int j, bool[] cel)
        {
            if (prev >= 0)
            {
                cel[pa1 + j] = true;
            }
            else if (ctx.HasInput(6))
            {
                ctx.Add(6, s1 + j);
            }
        }

        /// <summary><c>e[i] = Σ_g s_g · M[g·H + j, i]</c> for the [4H, n] matrix M of one direction.</summary>
        private void Effective(float* m, int n, int j, ReadOnlySpan<double> s, Span<double> e)
        {
            e.Clear();
            for (int g = 0; g < 4; g++)
            {
                if (s[g] == 0)
                {
                    continue;
                }

                float* row = m + (((long)g * H) + j) * n;
                for (int i = 0; i < n; i++)
                {
                    e[i] += s[g] * row[i];
                }
            }
        }
    }
}
