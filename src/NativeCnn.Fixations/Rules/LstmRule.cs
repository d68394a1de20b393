using System.Buffers;
using NativeCnn.Fixations.Internal;
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
        var g = RecurrentTrace.Read(ctx, DefaultActivations, "Sigmoid, Tanh, Tanh");
        bool inputForget = ctx.Node.GetInt("input_forget", 0) != 0;
        var gates = g.Aux("#gates");
        var cell = g.Aux("#cell");
        var hidden = g.Aux("#hidden");
        var preact = g.Aux("#preact");
        float* gp = (float*)gates.Pointer, cp = (float*)cell.Pointer, hp = (float*)hidden.Pointer, pp = (float*)preact.Pointer;
        float* xp = (float*)g.X.Pointer, wp = (float*)g.W.Pointer, rp = (float*)g.R.Pointer;
        float* peep = ctx.HasInput(7) ? (float*)ctx.Input(7).Pointer : null;
        float* h0 = ctx.HasInput(5) ? (float*)ctx.Input(5).Pointer : null;
        float* c0 = ctx.HasInput(6) ? (float*)ctx.Input(6).Pointer : null;

        // Pending unit fixations, [T,D,B,H] like the auxiliary values.
        long units = (long)g.T * g.D * g.B * g.H;
        var hid = new bool[units];
        var cel = new bool[units];
        g.SeedY(hid);
        g.SeedFinal(1, 5, hid);
        g.SeedFinal(2, 6, cel);

        int hidAux = g.AuxIndex("#hidden");
        int celAux = g.AuxIndex("#cell");
        var rented = ArrayPool<double>.Shared.Rent(g.I + g.H);
        try
        {
            var u = new Unit(ctx, g, gp, cp, hp, pp, xp, wp, rp, peep, h0, c0, g.I, g.H, inputForget, rented);
            g.StepsBackwards((t, prev, d, b) =>
            {
                long a1 = g.Unit(t, d, b);
                for (int j = 0; j < g.H; j++)
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
            });
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>The contributions of one unit fixation (formulas in the class summary).</summary>
    private readonly struct Unit(
        RuleContext ctx, RecurrentTrace g, float* gp, float* cp, float* hp, float* pp, float* xp, float* wp, float* rp, float* peep,
        float* h0, float* c0, int I, int H, bool inputForget, double[] scratch)
    {
        public void Backtrack(int t, int prev, int d, int b, int j, bool hiddenKind, bool[] hid, bool[] cel)
        {
            long a1 = g.Unit(t, d, b);
            long a4 = a1 * 4;
            long s1 = g.Initial(d, b); // into initial_h / initial_c
            double gi = gp[a4 + j], go = gp[a4 + H + j], gf = gp[a4 + (2 * H) + j], gc = gp[a4 + (3 * H) + j];
            double c = cp[a1 + j];
            long pa1 = prev < 0 ? -1 : g.Unit(prev, d, b);
            double cPrev = prev >= 0 ? cp[pa1 + j] : c0 is not null ? c0[s1 + j] : 0;
            double di = g.Active(pp[a4 + j]) ? gi * (1 - gi) : 0;
            double dO = g.Active(pp[a4 + H + j]) ? go * (1 - go) : 0;
            double df = g.Active(pp[a4 + (2 * H) + j]) && !inputForget ? gf * (1 - gf) : 0;
            double dg = g.Active(pp[a4 + (3 * H) + j]) ? 1 - (gc * gc) : 0;
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
            long xOff = g.XOffset(t, b);
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
                    g.HiddenBefore(prev, pa1, s1, k, hid);
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
                    case 1: g.HiddenBefore(prev, pa1, s1, bestIndex, hid); break;
                    case 2: CellBefore(prev, pa1, s1, j, cel); break;
                    default: ctx.Add(0, xOff); break; // every contribution NaN: keep x_t[0]
                }
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
