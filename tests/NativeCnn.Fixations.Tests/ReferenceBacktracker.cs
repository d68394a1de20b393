using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The slow, obviously correct backtracker the fast one is checked against: every value is COPIED into a
/// double[] first, every rule is plain loops over (n, c, y, x) coordinates, written from DESIGN.md independently
/// of the library's code. Conv channel sums are accumulated in double over exact products (a float·float product
/// is exact in double), as the fast rule does, so the two differ only in summation order: ~1e-16 relative, where
/// float sums in SIMD lane order would differ by ~1e-7 and could flip the channel argmax of two close channels
/// (and differently per vector width). Exactly equal sums (e.g. all-zero windows after a ReLU) go to the lower
/// channel in both. Element products that are compared (Gemm, the in-window argmax) are single float multiplies,
/// exactly what the fast code computes. Handles the ops the test networks use (2-D convs and pools, dense, concat
/// on any axis, add, pass-through, LSTM, GRU).
/// </summary>
public sealed class ReferenceBacktracker
{
    private readonly Dictionary<string, double[]> _v = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int[]> _s = new(StringComparer.Ordinal);
    private readonly ExecutionPlan _plan;
    private Dictionary<string, SortedSet<long>>? _fixations;

    public ReferenceBacktracker(ActivationStore store)
    {
        _plan = store.Plan;
        foreach (var name in store.Plan.Values.Keys)
        {
            if (store.TryGet(name, out var view) && view.DataType == Runtime.DataType.Float32)
            {
                _v[name] = view.ToDoubleArray();
                _s[name] = (int[])view.Shape.Clone();
            }
        }
    }

    public Dictionary<string, SortedSet<long>> Run(string start, long index, FixationOptions o)
    {
        var sets = new Dictionary<string, SortedSet<long>>(StringComparer.Ordinal) { [start] = [index] };
        _fixations = sets;
        void Add(string value, long i)
        {
            if (_plan.Values[value].Kind == ValueKind.Constant)
            {
                return;
            }

            if (!sets.TryGetValue(value, out var s))
            {
                sets[value] = s = [];
            }

            s.Add(i);
        }

        for (int si = _plan.Steps.Count - 1; si >= 0; si--)
        {
            var step = _plan.Steps[si];
            if (!step.Outputs.Any(o => o.Length > 0 && sets.TryGetValue(o, out var os) && os.Count > 0))
            {
                continue;
            }

            var outFix = sets.GetValueOrDefault(step.Outputs[0]) ?? [];

            string x = step.Inputs[0];
            string y = step.Outputs[0];
            switch (step.Kind)
            {
                case OpKind.Relu or OpKind.BatchNormalization or OpKind.LRN or OpKind.Softmax or OpKind.Flatten or OpKind.Reshape or OpKind.Dropout or OpKind.Identity
                    or OpKind.LeakyRelu or OpKind.Squeeze or OpKind.Unsqueeze:
                    foreach (long f in outFix)
                    {
                        Add(x, f);
                    }

                    break;
                case OpKind.Conv:
                    foreach (long f in outFix)
                    {
                        Add(x, Conv(step, f, o.ConvLocation));
                    }

                    break;
                case OpKind.MaxPool or OpKind.AveragePool or OpKind.GlobalAveragePool or OpKind.GlobalMaxPool:
                    foreach (long f in outFix)
                    {
                        foreach (long i in Pool(step, f, step.Kind is OpKind.AveragePool or OpKind.GlobalAveragePool ? PoolMode(step, o) : AveragePoolRule.Argmax))
                        {
                            Add(x, i);
                        }
                    }

                    break;
                case OpKind.Gemm or OpKind.MatMul:
                    foreach (long f in outFix)
                    {
                        foreach (long i in Gemm(step, f, o))
                        {
                            Add(x, i);
                        }
                    }

                    break;
                case OpKind.Concat:
                {
                    var ys = _s[y];
                    int axis = (int)step.Node.GetInt("axis", 1);
                    axis = axis < 0 ? axis + ys.Length : axis;
                    long inner = ys.Skip(axis + 1).Aggregate(1L, (p, d) => p * d);
                    foreach (long f in outFix)
                    {
                        long outer = f / (ys[axis] * inner);
                        int c = (int)(f / inner % ys[axis]);
                        long pos = f % inner;
                        int offset = 0;
                        foreach (var input in step.Inputs)
                        {
                            int ck = _s[input][axis];
                            if (c < offset + ck)
                            {
                                Add(input, (((outer * ck) + (c - offset)) * inner) + pos);
                                break;
                            }

                            offset += ck;
                        }
                    }

                    break;
                }

                case OpKind.ConvTranspose:
                    foreach (long f in outFix)
                    {
                        Add(x, ConvTranspose(step, f, o.ConvLocation));
                    }

                    break;
                case OpKind.LSTM:
                    Lstm(step, outFix, Add);
                    break;
                case OpKind.GRU:
                    Gru(step, outFix, Add);
                    break;

                case OpKind.Add:
                {
                    // Same-shape residual join: larger value wins, ties to the shallower (skip) input.
                    string a = step.Inputs[0], b = step.Inputs[1];
                    int da = Depth(a), db = Depth(b);
                    foreach (long f in outFix)
                    {
                        double va = _v[a][f], vb = _v[b][f];
                        string pick = va > vb ? a : vb > va ? b : (db < da ? b : a);
                        Add(pick, f);
                    }

                    break;
                }

                default:
                    throw new InvalidOperationException($"reference has no rule for {step.Kind}");
            }
        }

        return sets;
    }

    /// <summary>
    /// LSTM, forward, layout 0, no peepholes / clip / input_forget / sequence_lens. A unit fixation (hidden h_t[j] or
    /// cell c_t[j]) sends every positive "derivative × value" of one step to x_t, h_{t−1} and c_{t−1}[j] (argmax if
    /// none is positive). With z = h_t[j] = o·tanh(c_t) or z = c_t[j], c_t = f·c_{t−1} + i·g:
    /// ∂z/∂c_t = o·(1−tanh²c_t) (hidden) or 1 (cell); ∂z/∂o = tanh c_t (hidden) or 0; gate pre-activation rows
    /// (i, o, f, c) get ∂z/∂c_t·g·i(1−i), ∂z/∂o·o(1−o), ∂z/∂c_t·c_{t−1}·f(1−f), ∂z/∂c_t·i·(1−g²).
    /// </summary>
    private void Lstm(PlanStep step, SortedSet<long> yFix, Action<string, long> add)
    {
        var node = step.Node;
        bool HasIn(int k) => step.Inputs.Length > k && step.Inputs[k].Length > 0;
        if (node.GetString("direction", "forward") != "forward" || node.GetInt("layout", 0) != 0 || HasIn(4) || HasIn(7)
            || node.Attribute("clip") is not null || node.GetInt("input_forget", 0) != 0)
        {
            throw new InvalidOperationException("reference LSTM: forward, layout 0, no sequence_lens, peepholes, clip or input_forget");
        }

        string xName = step.Inputs[0];
        double[] x = _v[xName], w = _v[step.Inputs[1]], r = _v[step.Inputs[2]];
        int T = _s[xName][0], B = _s[xName][1], I = _s[xName][2], H = _s[step.Inputs[2]][2];
        string Aux(string suffix) => step.Auxiliary.Single(a => a.EndsWith(suffix, StringComparison.Ordinal));
        string gatesName = Aux("#gates"), cellName = Aux("#cell"), hiddenName = Aux("#hidden");
        double[] gates = _v[gatesName], cell = _v[cellName], hidden = _v[hiddenName];
        double[]? h0 = HasIn(5) ? _v[step.Inputs[5]] : null, c0 = HasIn(6) ? _v[step.Inputs[6]] : null;

        var want = new bool[2, T, B, H]; // [0] hidden, [1] cell
        foreach (long f in yFix)
        {
            want[0, f / (B * H), f / H % B, f % H] = true;
        }

        for (int o = 1; o <= 2 && o < step.Outputs.Length; o++)
        {
            if (step.Outputs[o].Length > 0 && _fixations!.TryGetValue(step.Outputs[o], out var set))
            {
                foreach (long f in set)
                {
                    want[o - 1, T - 1, f / H % B, f % H] = true;
                }
            }
        }

        for (int t = T - 1; t >= 0; t--)
        {
            for (int b = 0; b < B; b++)
            {
                for (int j = 0; j < H; j++)
                {
                    for (int kind = 0; kind < 2; kind++)
                    {
                        if (!want[kind, t, b, j])
                        {
                            continue;
                        }

                        add(kind == 0 ? hiddenName : cellName, (((long)t * B) + b) * H + j);
                        long g4 = (((long)t * B) + b) * 4 * H;
                        double gi = gates[g4 + j], go = gates[g4 + H + j], gf = gates[g4 + (2 * H) + j], gg = gates[g4 + (3 * H) + j];
                        double c = cell[(((long)t * B) + b) * H + j];
                        double cPrev = t > 0 ? cell[(((long)(t - 1) * B) + b) * H + j] : c0 is null ? 0 : c0[(b * H) + j];
                        double tc = Math.Tanh(c);
                        double dzdc = kind == 0 ? go * (1 - (tc * tc)) : 1;
                        double dzdo = kind == 0 ? tc : 0;
                        double[] dz = [dzdc * gg * gi * (1 - gi), dzdo * go * (1 - go), dzdc * cPrev * gf * (1 - gf), dzdc * gi * (1 - (gg * gg))];

                        // Candidates in order: x_t[0..I), h_{t−1}[0..H), c_{t−1}[j].
                        var cands = new List<(double P, Action Emit)>();
                        for (int i = 0; i < I; i++)
                        {
                            double sum = 0;
                            for (int blk = 0; blk < 4; blk++)
                            {
                                sum += dz[blk] * w[(((blk * H) + j) * I) + i];
                            }

                            long xi = (((long)t * B) + b) * I + i;
                            cands.Add((sum * x[xi], () => add(xName, xi)));
                        }

                        bool statePrev = t > 0;
                        for (int k = 0; k < H; k++)
                        {
                            if (!statePrev && h0 is null)
                            {
                                break;
                            }

                            double sum = 0;
                            for (int blk = 0; blk < 4; blk++)
                            {
                                sum += dz[blk] * r[(((blk * H) + j) * H) + k];
                            }

                            int kk = k, tt = t, bb = b;
                            double hPrev = statePrev ? hidden[(((long)(t - 1) * B) + b) * H + k] : h0![(b * H) + k];
                            cands.Add((sum * hPrev, statePrev ? () => want[0, tt - 1, bb, kk] = true : () => add(step.Inputs[5], (bb * H) + kk)));
                        }

                        if (statePrev || c0 is not null)
                        {
                            int jj = j, tt = t, bb = b;
                            cands.Add((dzdc * gf * cPrev, statePrev ? () => want[1, tt - 1, bb, jj] = true : () => add(step.Inputs[6], (bb * H) + jj)));
                        }

                        var positive = cands.Where(q => q.P > 0).ToList();
                        if (positive.Count > 0)
                        {
                            positive.ForEach(q => q.Emit());
                        }
                        else
                        {
                            int best = 0;
                            for (int q = 1; q < cands.Count; q++)
                            {
                                if (cands[q].P > cands[best].P)
                                {
                                    best = q;
                                }
                            }

                            cands[best].Emit();
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// GRU, forward, layout 0, no sequence_lens, either linear_before_reset, clip. A fixation h_t[j] sends every
    /// positive "derivative × value" of one step (<see cref="GruStep"/>) to x_t and h_{t−1} (argmax if none is
    /// positive; x first, then h; the state before the first step only when initial_h is given).
    /// </summary>
    private void Gru(PlanStep step, SortedSet<long> yFix, Action<string, long> add)
    {
        var node = step.Node;
        bool HasIn(int k) => step.Inputs.Length > k && step.Inputs[k].Length > 0;
        if (node.GetString("direction", "forward") != "forward" || node.GetInt("layout", 0) != 0 || HasIn(4))
        {
            throw new InvalidOperationException("reference GRU: forward, layout 0, no sequence_lens");
        }

        string xName = step.Inputs[0];
        double[] x = _v[xName], w = _v[step.Inputs[1]], r = _v[step.Inputs[2]];
        double[]? bias = HasIn(3) ? _v[step.Inputs[3]] : null, h0 = HasIn(5) ? _v[step.Inputs[5]] : null;
        int T = _s[xName][0], B = _s[xName][1], I = _s[xName][2], H = _s[step.Inputs[2]][2];
        bool lbr = node.GetInt("linear_before_reset", 0) != 0;
        string hiddenName = step.Auxiliary.Single(a => a.EndsWith("#hidden", StringComparison.Ordinal));
        double[] gates = _v[step.Auxiliary.Single(a => a.EndsWith("#gates", StringComparison.Ordinal))], hidden = _v[hiddenName];
        double[] preact = _v[step.Auxiliary.Single(a => a.EndsWith("#preact", StringComparison.Ordinal))];
        double clip = node.Attribute("clip") is not null ? node.GetFloat("clip", 0f) : double.PositiveInfinity;

        var want = new bool[T, B, H];
        foreach (long f in yFix)
        {
            want[f / (B * H), f / H % B, f % H] = true;
        }

        if (step.Outputs.Length > 1 && step.Outputs[1].Length > 0 && _fixations!.TryGetValue(step.Outputs[1], out var yh))
        {
            foreach (long f in yh)
            {
                want[T - 1, f / H % B, f % H] = true;
            }
        }

        for (int t = T - 1; t >= 0; t--)
        {
            for (int b = 0; b < B; b++)
            {
                for (int j = 0; j < H; j++)
                {
                    if (!want[t, b, j])
                    {
                        continue;
                    }

                    add(hiddenName, (((long)t * B) + b) * H + j);
                    var xt = new double[I];
                    var hPrev = new double[H];
                    var g = new double[3 * H];
                    var pre = new double[3 * H];
                    for (int i = 0; i < I; i++)
                    {
                        xt[i] = x[(((t * B) + b) * I) + i];
                    }

                    for (int k = 0; k < H; k++)
                    {
                        hPrev[k] = t > 0 ? hidden[((((t - 1) * B) + b) * H) + k] : h0 is null ? 0 : h0[(b * H) + k];
                    }

                    for (int q = 0; q < 3 * H; q++)
                    {
                        g[q] = gates[(((t * B) + b) * 3 * H) + q];
                        pre[q] = preact[(((t * B) + b) * 3 * H) + q];
                    }

                    var (dx, dh) = GruStep(w, r, bias, xt, hPrev, g, lbr, j, pre, clip);
                    var cands = new List<(double P, Action Emit)>();
                    for (int i = 0; i < I; i++)
                    {
                        long xi = (((long)t * B) + b) * I + i;
                        cands.Add((dx[i] * xt[i], () => add(xName, xi)));
                    }

                    if (t > 0 || h0 is not null)
                    {
                        for (int k = 0; k < H; k++)
                        {
                            int kk = k, tt = t, bb = b;
                            cands.Add((dh[k] * hPrev[k], t > 0 ? () => want[tt - 1, bb, kk] = true : () => add(step.Inputs[5], (bb * H) + kk)));
                        }
                    }

                    var positive = cands.Where(q => q.P > 0).ToList();
                    if (positive.Count > 0)
                    {
                        positive.ForEach(q => q.Emit());
                    }
                    else
                    {
                        int best = 0;
                        for (int q = 1; q < cands.Count; q++)
                        {
                            if (cands[q].P > cands[best].P)
                            {
                                best = q;
                            }
                        }

                        cands[best].Emit();
                    }
                }
            }
        }
    }

    /// <summary>
    /// The exact one-step derivatives of a GRU (direction 0, default activations, no clip) at unit j, by the chain
    /// rule over the 3H gate arguments a (rows z|r|h): with z, r, h~ the stored gates, h = h_{t−1},
    /// ∂h_t[j]/∂a_z[j] = (h_j − h~_j)·z_j(1−z_j), ∂h_t[j]/∂a_h[j] = (1−z_j)(1−h~_j²), and the reset rows
    /// ∂h_t[j]/∂a_r[m] = ∂h_t[j]/∂a_h[j] · ∂a_h[j]/∂r_m · r_m(1−r_m), where ∂a_h[j]/∂r_m = R_h[j,m]·h_m
    /// (linear_before_reset = 0) or [m = j]·(R_h[j]·h + Rb_h[j]) (≠ 0). Then
    /// dx[i] = Σ_rows ∂h_t[j]/∂a[row]·W[row,i] and
    /// dh[k] = z_j·[k = j] + Σ_{z,r rows} ∂h_t[j]/∂a[row]·R[row,k] + ∂h_t[j]/∂a_h[j]·R_h[j,k]·(r_k, or r_j when ≠ 0).
    /// With clip, a gate whose argument (<paramref name="preact"/>) lies beyond ±clip is constant: its row of ∂h_t[j]/∂a is 0.
    /// w [3H·I], r [3H·H], bias [6H] or null, x [I], h [H], gates [3H], preact [3H] or null.
    /// </summary>
    public static (double[] Dx, double[] Dh) GruStep(
        double[] w, double[] r, double[]? bias, double[] x, double[] h, double[] gates, bool lbr, int j, double[]? preact = null, double clip = double.PositiveInfinity)
    {
        int I = x.Length, H = h.Length;
        bool Flat(int row) => preact is not null && Math.Abs(preact[row]) > clip;
        var da = new double[3 * H];
        double z = gates[j], hc = gates[(2 * H) + j];
        da[j] = Flat(j) ? 0 : (h[j] - hc) * z * (1 - z);
        da[(2 * H) + j] = Flat((2 * H) + j) ? 0 : (1 - z) * (1 - (hc * hc));
        for (int m = 0; m < H; m++)
        {
            double rm = gates[H + m];
            double dahdr;
            if (!lbr)
            {
                dahdr = r[(((2 * H) + j) * H) + m] * h[m];
            }
            else if (m == j)
            {
                dahdr = bias is null ? 0 : bias[(5 * H) + j];
                for (int k = 0; k < H; k++)
                {
                    dahdr += r[(((2 * H) + j) * H) + k] * h[k];
                }
            }
            else
            {
                dahdr = 0;
            }

            da[H + m] = Flat(H + m) ? 0 : da[(2 * H) + j] * dahdr * rm * (1 - rm);
        }

        var dx = new double[I];
        for (int i = 0; i < I; i++)
        {
            for (int row = 0; row < 3 * H; row++)
            {
                dx[i] += da[row] * w[(row * I) + i];
            }
        }

        var dh = new double[H];
        for (int k = 0; k < H; k++)
        {
            dh[k] = k == j ? z : 0;
            for (int row = 0; row < 2 * H; row++)
            {
                dh[k] += da[row] * r[(row * H) + k];
            }

            dh[k] += da[(2 * H) + j] * r[(((2 * H) + j) * H) + k] * (lbr ? gates[H + j] : gates[H + k]);
        }

        return (dx, dh);
    }

    /// <summary>
    /// ConvTranspose, 2-D, explicit pads only: scans every input position and tap for those with
    /// <c>iy·s − p + ky·d = oy</c> (and likewise for x); channel argmax of the double sums; location: the anchor
    /// <c>⌊(oy + p − ⌊(k−1)/2⌋·d) / s⌋</c> clamped, or the first largest single product.
    /// </summary>
    private long ConvTranspose(PlanStep step, long f, ConvLocation location)
    {
        var node = step.Node;
        if (node.GetInts("output_shape") is not null || node.GetString("auto_pad", "NOTSET") != "NOTSET")
        {
            throw new InvalidOperationException("reference ConvTranspose: explicit pads only");
        }

        string xName = step.Inputs[0], wName = step.Inputs[1];
        double[] x = _v[xName], w = _v[wName];
        int[] xs = _s[xName], ws = _s[wName], ys = _s[step.Outputs[0]];
        int cin = xs[1], h = xs[2], wd = xs[3], colPerGroup = ws[1], kh = ws[2], kw = ws[3], cout = ys[1], oh = ys[2], ow = ys[3];
        int group = (int)node.GetInt("group", 1), cpg = cin / group;
        var s = node.GetInts("strides") ?? [1, 1];
        var d = node.GetInts("dilations") ?? [1, 1];
        var p = node.GetInts("pads") ?? [0, 0, 0, 0];
        int n = (int)(f / ((long)cout * oh * ow)), co = (int)(f / ((long)oh * ow) % cout), oy = (int)(f / ow % oh), ox = (int)(f % ow);
        int g = co / colPerGroup, col = co % colPerGroup;
        bool Reaches(int iy, int ix, int ky, int kx) =>
            (iy * s[0]) - p[0] + (ky * d[0]) == oy && (ix * s[1]) - p[1] + (kx * d[1]) == ox;
        double W(int ci, int ky, int kx) => w[((((long)ci * colPerGroup) + col) * kh + ky) * kw + kx];
        double X(int ci, int iy, int ix) => x[((((long)n * cin) + ci) * h + iy) * wd + ix];

        int best = 0;
        double bestSum = double.NegativeInfinity;
        for (int cl = 0; cl < cpg; cl++)
        {
            int ci = (g * cpg) + cl;
            double sum = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    for (int iy = 0; iy < h; iy++)
                    {
                        for (int ix = 0; ix < wd; ix++)
                        {
                            if (Reaches(iy, ix, ky, kx))
                            {
                                sum += X(ci, iy, ix) * W(ci, ky, kx);
                            }
                        }
                    }
                }
            }

            if (sum > bestSum)
            {
                (bestSum, best) = (sum, cl);
            }
        }

        int ch = (g * cpg) + best;
        int ry = Math.Clamp((int)Math.Floor((oy + p[0] - ((kh - 1) / 2 * d[0])) / (double)s[0]), 0, h - 1);
        int rx = Math.Clamp((int)Math.Floor((ox + p[1] - ((kw - 1) / 2 * d[1])) / (double)s[1]), 0, wd - 1);
        if (location == ConvLocation.ArgmaxInWindow)
        {
            float m = float.NegativeInfinity;
            bool found = false;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    for (int iy = 0; iy < h; iy++)
                    {
                        for (int ix = 0; ix < wd; ix++)
                        {
                            float v = (float)X(ch, iy, ix) * (float)W(ch, ky, kx);
                            if (Reaches(iy, ix, ky, kx) && (!found || v > m))
                            {
                                (m, ry, rx, found) = (v, iy, ix, true);
                            }
                        }
                    }
                }
            }
        }

        return ((((long)n * cin) + ch) * h + ry) * wd + rx;
    }

    private long Conv(PlanStep step, long f, ConvLocation location)
    {
        var node = step.Node;
        string xName = step.Inputs[0], wName = node.Inputs[1];
        var x = _v[xName];
        var w = _v[wName];
        int[] xs = _s[xName], ws = _s[wName], ys = _s[step.Outputs[0]];
        int cin = xs[1], h = xs[2], wd = xs[3], cout = ws[0], cpg = ws[1], kh = ws[2], kw = ws[3];
        int oh = ys[2], ow = ys[3];
        int n = (int)(f / ((long)cout * oh * ow)), co = (int)(f / ((long)oh * ow) % cout), oy = (int)(f / ow % oh), ox = (int)(f % ow);
        var (sh, sw, dh, dw, pt, pl) = Geometry(node, h, wd, kh, kw, oh, ow);
        int group = (int)node.GetInt("group", 1);
        int g = co / (cout / group);

        int bestLocal = 0;
        double bestSum = double.NegativeInfinity;
        for (int cl = 0; cl < cpg; cl++)
        {
            int ci = (g * cpg) + cl;
            double sum = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                    {
                        sum += x[(((((long)n * cin) + ci) * h) + iy) * wd + ix] * w[(((((long)co * cpg) + cl) * kh) + ky) * kw + kx];
                    }
                }
            }

            if (sum > bestSum)
            {
                bestSum = sum;
                bestLocal = cl;
            }
        }

        int ch = (g * cpg) + bestLocal;
        int ry, rx;
        if (location == ConvLocation.Anchor)
        {
            ry = Math.Clamp((oy * sh) - pt + ((kh - 1) / 2 * dh), 0, h - 1);
            rx = Math.Clamp((ox * sw) - pl + ((kw - 1) / 2 * dw), 0, wd - 1);
        }
        else
        {
            ry = -1;
            rx = -1;
            float best = float.NegativeInfinity;
            for (int ky = 0; ky < kh; ky++)
            {
                for (int kx = 0; kx < kw; kx++)
                {
                    int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                    {
                        continue;
                    }

                    float p = (float)x[(((((long)n * cin) + ch) * h) + iy) * wd + ix] * (float)w[(((((long)co * cpg) + bestLocal) * kh) + ky) * kw + kx];
                    if (ry < 0 || p > best)
                    {
                        best = p;
                        ry = iy;
                        rx = ix;
                    }
                }
            }
        }

        return (((((long)n * cin) + ch) * h) + ry) * wd + rx;
    }

    private IEnumerable<long> Pool(PlanStep step, long f, AveragePoolRule mode)
    {
        bool allPositive = mode is AveragePoolRule.AllPositive or AveragePoolRule.AboveMean;
        double bar = mode == AveragePoolRule.AboveMean ? Math.Max(0, _v[step.Outputs[0]][f]) : 0;
        var node = step.Node;
        string xName = step.Inputs[0];
        var x = _v[xName];
        int[] xs = _s[xName], ys = _s[step.Outputs[0]];
        int h = xs[2], wd = xs[3], oh = ys[2], ow = ys[3];
        long nc = f / ((long)oh * ow);
        int oy = (int)(f / ow % oh), ox = (int)(f % ow);
        int kh, kw, sh, sw, dh, dw, pt, pl;
        if (step.Kind is OpKind.GlobalAveragePool or OpKind.GlobalMaxPool)
        {
            (kh, kw, sh, sw, dh, dw, pt, pl) = (h, wd, 1, 1, 1, 1, 0, 0);
        }
        else
        {
            var k = node.GetInts("kernel_shape")!;
            (kh, kw) = ((int)k[0], (int)k[1]);
            (sh, sw, dh, dw, pt, pl) = Geometry(node, h, wd, kh, kw, oh, ow);
        }

        var result = new List<long>();
        long best = -1;
        double bestV = double.NegativeInfinity;
        for (int ky = 0; ky < kh; ky++)
        {
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = (oy * sh) - pt + (ky * dh), ix = (ox * sw) - pl + (kx * dw);
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd)
                {
                    continue;
                }

                long i = (((nc * h) + iy) * wd) + ix;
                if (best < 0 || x[i] > bestV)
                {
                    best = i;
                    bestV = x[i];
                }

                if (x[i] > bar)
                {
                    result.Add(i);
                }
            }
        }

        return allPositive && result.Count > 0 ? result : best >= 0 ? [best] : [];
    }

    private IEnumerable<long> Gemm(PlanStep step, long f, FixationOptions o)
    {
        string aName = step.Inputs[0], bName = step.Inputs[1];
        var a = _v[aName];
        var b = _v[bName];
        int[] bs = _s[bName];
        bool transB = step.Node.GetInt("transB", 0) != 0;
        int k = transB ? bs[1] : bs[0], n = transB ? bs[0] : bs[1];
        int row = (int)(f / n), j = (int)(f % n);
        var p = new float[k];
        for (int i = 0; i < k; i++)
        {
            p[i] = (float)a[((long)row * k) + i] * (float)(transB ? b[((long)j * k) + i] : b[((long)i * n) + j]);
        }

        bool flattened = Flattened(aName);
        var positive = Enumerable.Range(0, k).Where(i => p[i] > 0).Select(i => ((long)row * k) + i).ToList();
        if (!(flattened && o.FcAfterFlatten == FcAfterFlatten.Argmax) && positive.Count > 0)
        {
            return positive;
        }

        int best = 0;
        for (int i = 1; i < k; i++)
        {
            if (p[i] > p[best])
            {
                best = i;
            }
        }

        return [((long)row * k) + best];
    }

    /// <summary>Walks back through Flatten/Reshape and pass-through ops to a value with spatial size &gt; 1.</summary>
    private bool Flattened(string value)
    {
        while (true)
        {
            var shape = _s[value];
            if (shape.Length >= 3 && shape.Skip(2).Aggregate(1L, (p, d) => p * d) > 1)
            {
                return true;
            }

            int producer = _plan.Values[value].Producer;
            if (producer < 0 || _plan.Steps[producer].Kind is not (OpKind.Flatten or OpKind.Reshape or OpKind.Relu or OpKind.Dropout or OpKind.Identity or OpKind.BatchNormalization))
            {
                return false;
            }

            value = _plan.Steps[producer].Inputs[0];
        }
    }

    private int Depth(string value)
    {
        int producer = _plan.Values[value].Producer;
        if (producer < 0)
        {
            return 0;
        }

        return 1 + _plan.Steps[producer].Inputs.Where(i => i.Length > 0).Select(Depth).DefaultIfEmpty(0).Max();
    }

    private static (int Sh, int Sw, int Dh, int Dw, int Pt, int Pl) Geometry(Node node, int h, int w, int kh, int kw, int oh, int ow)
    {
        var s = node.GetInts("strides") ?? [1, 1];
        var d = node.GetInts("dilations") ?? [1, 1];
        var p = node.GetInts("pads") ?? [0, 0, 0, 0];
        string auto = node.GetString("auto_pad", "NOTSET");
        int pt = (int)p[0], pl = (int)p[1];
        if (auto is "SAME_UPPER" or "SAME_LOWER")
        {
            int th = Math.Max(0, ((oh - 1) * (int)s[0]) + ((kh - 1) * (int)d[0]) + 1 - h);
            int tw = Math.Max(0, ((ow - 1) * (int)s[1]) + ((kw - 1) * (int)d[1]) + 1 - w);
            pt = auto == "SAME_UPPER" ? th / 2 : (th + 1) / 2;
            pl = auto == "SAME_UPPER" ? tw / 2 : (tw + 1) / 2;
        }
        else if (auto == "VALID")
        {
            (pt, pl) = (0, 0);
        }

        return ((int)s[0], (int)s[1], (int)d[0], (int)d[1], pt, pl);
    }

    /// <summary>
    /// Independent form of the Auto rule: all positive at a pool whose output reaches a graph output through
    /// reshaping/activation steps only (walked step by step over the plan), argmax elsewhere.
    /// </summary>
    /// <summary>What Auto does at a class-map pool (the design choice, restated here independently).</summary>
    private const AveragePoolRule ClassMapMode = AveragePoolRule.AboveMean;

    private AveragePoolRule PoolMode(PlanStep step, FixationOptions o) =>
        o.AveragePool != AveragePoolRule.Auto ? o.AveragePool : IsClassMapPool(step) ? ClassMapMode : AveragePoolRule.Argmax;

    private bool IsClassMapPool(PlanStep step)
    {
        OpKind[] passive = [OpKind.Flatten, OpKind.Reshape, OpKind.Squeeze, OpKind.Unsqueeze, OpKind.Identity, OpKind.Dropout, OpKind.Cast,
            OpKind.Relu, OpKind.LeakyRelu, OpKind.Clip, OpKind.Sigmoid, OpKind.Tanh, OpKind.HardSigmoid, OpKind.Softmax, OpKind.LogSoftmax];
        var frontier = new List<string> { step.Outputs[0] };
        bool reached = false;
        for (int guard = 0; frontier.Count > 0 && guard < 1000; guard++)
        {
            var next = new List<string>();
            foreach (var v in frontier)
            {
                reached |= _plan.OutputNames.Contains(v);
                foreach (var s in _plan.Steps.Where(s => s.Inputs.Contains(v)))
                {
                    if (!passive.Contains(s.Kind))
                    {
                        return false;
                    }

                    next.AddRange(s.Outputs.Where(n => n.Length > 0));
                }
            }

            frontier = next;
        }

        return reached;
    }
}
