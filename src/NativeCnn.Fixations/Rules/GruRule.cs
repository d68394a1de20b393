using System.Buffers;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// GRU (forward, reverse and bidirectional; layout 0 and 1; sequence_lens, clip, both linear_before_reset), traced
/// like the LSTM: the cell linearised at the stored forward pass is a Gemm onto <c>x_t</c> and <c>h_{t−1}</c>, step
/// by step. A fixation is a hidden unit <c>h_t[j]</c> of direction <c>d</c>, batch row <c>b</c> (from Y, or from Y_h
/// at the last step, or carried back from a later step).
/// <para>With the stored post-activation gates z, r, h~ (auxiliary <c>#gates</c>), the hidden states
/// (<c>#hidden</c>), the previous state <c>h = h_{t−1}</c> (or initial_h, or 0) and the gate arguments
/// (<c>#preact</c>, only to tell whether clip cut a gate: a clipped gate has derivative 0), one step
/// <c>h_t[j] = (1 − z_j)·h~_j + z_j·h_j</c> has the exact derivatives (σ' = g(1−g), tanh' = 1−g²):</para>
/// <code>
/// s_z = (h_j − h~_j)·σ'(z_j)          ∂h_t[j]/∂(z argument j)
/// s_h = (1 − z_j)·tanh'(h~_j)         ∂h_t[j]/∂(h~ argument j)
/// u_m = ∂h_t[j]/∂(r argument m), the reset gate's mixing:
///   linear_before_reset = 0:  h~ argument j = W_h[j]·x + Σ_m R_h[j,m]·r_m·h_m + b, so every unit's reset gate
///                             reaches j:   u_m = s_h·R_h[j,m]·h_m·σ'(r_m)   (m = 0…H−1)
///   linear_before_reset ≠ 0:  h~ argument j = W_h[j]·x + r_j·q_j + Wb_h[j], q_j = R_h[j]·h + Rb_h[j] (recomputed
///                             in double from h, R, B), so only r_j does:   u_j = s_h·q_j·σ'(r_j), u_m = 0 for m ≠ j
/// ∂h_t[j]/∂x_t[i]     = s_z·W_z[j,i] + s_h·W_h[j,i] + Σ_m u_m·W_r[m,i]
/// ∂h_t[j]/∂h_{t−1}[k] = z_j·[k = j] + s_z·R_z[j,k] + s_h·ρ_k·R_h[j,k] + Σ_m u_m·R_r[m,k]
///                       with ρ_k = r_k (linear_before_reset = 0) or r_j (≠ 0)
/// </code>
/// Contributions (derivative × input, one step only, bias ignored), computed in double from the float32 values:
/// <c>x_t[i]·∂h_t[j]/∂x_t[i]</c> and <c>h_{t−1}[k]·∂h_t[j]/∂h_{t−1}[k]</c> (the carry z_j·h_j is part of the
/// <c>k = j</c> term: h_{t−1}[j] is one input, reached both directly and through the gates). Every positive
/// contribution is kept: <c>x_t[i]</c> becomes a fixation of X, <c>h_{t−1}[k]</c> a hidden fixation of the previous
/// step (t−1 forward, t+1 reverse), or of initial_h before the first step. When nothing is positive the argmax over
/// all candidates (x first, then h; the state before the first step counts only when initial_h is given) is kept, so
/// that a path never ends silently. Cost per fixation: O(3·(I + H)), plus O(H·(I + H)) for the reset-gate mixing
/// when linear_before_reset = 0 (rows m with u_m = 0 are skipped). Steps are visited from the last computed back to
/// the first, so the fixations of a step are complete when it is reached. Fixations on Y at t ≥ sequence_lens[b]
/// (zeros no input produced) are dropped; Y_h of a row with length 0 goes straight to initial_h. Every visited
/// hidden fixation is recorded on the auxiliary value <c>#hidden</c> [T,D,B,H] of the result.
/// <para>The activations must be the defaults (Sigmoid, Tanh): the derivatives above are those of σ and tanh,
/// expressed through their stored outputs.</para>
/// </summary>
[FixationRule(OpKind.GRU)]
internal sealed unsafe class GruRule : FixationRule
{
    private static readonly string[] DefaultActivations = ["sigmoid", "tanh"];

    public override void Backtrack(RuleContext ctx)
    {
        var g = RecurrentTrace.Read(ctx, DefaultActivations, "Sigmoid, Tanh");
        bool lbr = ctx.Node.GetInt("linear_before_reset", 0) != 0;
        var gates = g.Aux("#gates");
        var hidden = g.Aux("#hidden");
        var preact = g.Aux("#preact");
        float* bias = g.Optional(3, "B");
        float* h0 = g.Optional(5, "initial_h");

        // Pending hidden-unit fixations, [T,D,B,H] like the auxiliary values.
        var hid = new bool[(long)g.T * g.D * g.B * g.H];
        g.SeedY(hid);
        g.SeedFinal(1, 5, hid);

        int hidAux = g.AuxIndex("#hidden");
        var rented = ArrayPool<double>.Shared.Rent(g.I + (3 * g.H));
        try
        {
            var u = new Unit(ctx, g, (float*)gates.Pointer, (float*)hidden.Pointer, (float*)preact.Pointer, (float*)g.X.Pointer,
                (float*)g.W.Pointer, (float*)g.R.Pointer, bias, h0, g.I, g.H, lbr, rented);
            g.StepsBackwards((t, prev, d, b) =>
            {
                long a1 = g.Unit(t, d, b);
                for (int j = 0; j < g.H; j++)
                {
                    if (hid[a1 + j])
                    {
                        ctx.Record(hidAux, a1 + j);
                        u.Backtrack(t, prev, d, b, j, hid);
                    }
                }
            });
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>The contributions of one hidden-unit fixation (formulas in the class summary).</summary>
    private readonly struct Unit(
        RuleContext ctx, RecurrentTrace g, float* gp, float* hp, float* pp, float* xp, float* wp, float* rp, float* bias, float* h0,
        int I, int H, bool lbr, double[] scratch)
    {
        public void Backtrack(int t, int prev, int d, int b, int j, bool[] hid)
        {
            long a3 = g.Unit(t, d, b) * 3;
            long s1 = g.Initial(d, b); // into initial_h
            long pa1 = prev < 0 ? -1 : g.Unit(prev, d, b);
            float* wd = wp + ((long)d * 3 * H * I); // [3H, I] rows z|r|h
            float* rd = rp + ((long)d * 3 * H * H); // [3H, H] rows z|r|h

            var hv = scratch.AsSpan(0, H);          // h_{t−1}, [H]
            var u = scratch.AsSpan(H, H);           // ∂h_t[j]/∂(r argument m), [H]
            var weff = scratch.AsSpan(2 * H, Math.Max(I, H));
            for (int k = 0; k < H; k++)
            {
                hv[k] = prev >= 0 ? hp[pa1 + k] : h0 is not null ? h0[s1 + k] : 0;
            }

            double z = gp[a3 + j], hc = gp[a3 + (2 * H) + j];
            double sz = g.Active(pp[a3 + j]) ? (hv[j] - hc) * z * (1 - z) : 0;
            double sh = g.Active(pp[a3 + (2 * H) + j]) ? (1 - z) * (1 - (hc * hc)) : 0;
            u.Clear();
            int rRows = 0;
            if (sh != 0)
            {
                if (!lbr)
                {
                    float* rh = rd + (((2L * H) + j) * H);
                    for (int m = 0; m < H; m++)
                    {
                        double rm = gp[a3 + H + m];
                        u[m] = g.Active(pp[a3 + H + m]) ? sh * rh[m] * hv[m] * rm * (1 - rm) : 0;
                        rRows += u[m] != 0 ? 1 : 0;
                    }
                }
                else if (g.Active(pp[a3 + H + j]))
                {
                    float* rh = rd + (((2L * H) + j) * H);
                    double q = bias is null ? 0 : bias[((long)d * 6 * H) + (5 * H) + j];
                    for (int k = 0; k < H; k++)
                    {
                        q += rh[k] * hv[k];
                    }

                    double rj = gp[a3 + H + j];
                    u[j] = sh * q * rj * (1 - rj);
                    rRows = u[j] != 0 ? 1 : 0;
                }
            }

            // x_t: e[i] = s_z·W_z[j,i] + s_h·W_h[j,i] + Σ_m u_m·W_r[m,i].
            var ex = weff[..I];
            Effective(wd, I, j, sz, sh, null, 1, u, ex);
            ctx.CountRead(((2L + rRows) * I * sizeof(float)) + (I * sizeof(float)));
            long xOff = g.XOffset(t, b);
            int kept = 0;
            double best = double.NegativeInfinity;
            int bestKind = -1, bestIndex = 0;
            for (int i = 0; i < I; i++)
            {
                double p = ex[i] * xp[xOff + i];
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

            // h_{t−1}: e[k] = z_j·[k = j] + s_z·R_z[j,k] + s_h·ρ_k·R_h[j,k] + Σ_m u_m·R_r[m,k].
            var eh = weff[..H];
            Effective(rd, H, j, sz, sh, lbr ? null : gp + a3 + H, lbr ? gp[a3 + H + j] : 0, u, eh);
            eh[j] += z;
            ctx.CountRead(((2L + rRows) * H * sizeof(float)) + (H * sizeof(float)));
            bool hasPrev = prev >= 0 || h0 is not null;
            for (int k = 0; k < H; k++)
            {
                double p = eh[k] * hv[k];
                if (p > 0)
                {
                    g.HiddenBefore(prev, pa1, s1, k, hid);
                    kept++;
                }

                if (p > best && hasPrev)
                {
                    (best, bestKind, bestIndex) = (p, 1, k);
                }
            }

            if (kept == 0)
            {
                switch (bestKind)
                {
                    case 0: ctx.Add(0, xOff + bestIndex); break;
                    case 1: g.HiddenBefore(prev, pa1, s1, bestIndex, hid); break;
                    default: ctx.Add(0, xOff); break; // every contribution NaN: keep x_t[0]
                }
            }
        }

        /// <summary>
        /// <c>e[i] = s_z·M[j,i] + s_h·ρ_i·M[2H+j,i] + Σ_m u_m·M[H+m,i]</c> for the [3H, n] matrix M (W or R) of one
        /// direction, with <c>ρ_i = rho[i]</c> when <paramref name="rho"/> is given, else <paramref name="rhoAll"/>.
        /// </summary>
        private void Effective(float* m, int n, int j, double sz, double sh, float* rho, double rhoAll, ReadOnlySpan<double> u, Span<double> e)
        {
            float* zRow = m + ((long)j * n);
            float* hRow = m + (((2L * H) + j) * n);
            for (int i = 0; i < n; i++)
            {
                e[i] = sz * zRow[i];
            }

            if (sh != 0)
            {
                for (int i = 0; i < n; i++)
                {
                    e[i] += sh * hRow[i] * (rho is not null ? rho[i] : rhoAll);
                }
            }

            for (int g = 0; g < H; g++)
            {
                if (u[g] == 0)
                {
                    continue;
                }

                float* row = m + (((long)H + g) * n);
                for (int i = 0; i < n; i++)
                {
                    e[i] += u[g] * row[i];
                }
            }
        }
    }
}
