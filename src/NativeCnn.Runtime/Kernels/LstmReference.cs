using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference LSTM (ONNX gate order i, o, f, c), one matrix-vector product per gate row and step. For direction
/// <c>d</c>, batch row <c>b</c> and time <c>t</c> (forward: t = 0…len−1; reverse: t = len−1…0, len = sequence_lens[b]):
/// <code>
/// p  = W[d]·x_t + R[d]·h + Wb[d] + Rb[d]               // [4H], rows i|o|f|c
/// i  = f(clip(p_i + P_i ⊙ c))
/// f' = input_forget ? 1 − i : f(clip(p_f + P_f ⊙ c))
/// c~ = g(clip(p_c))
/// c  = f' ⊙ c + i ⊙ c~
/// o  = f(clip(p_o + P_o ⊙ c))                            // peephole on the new cell state
/// h  = o ⊙ h(c)
/// </code>
/// with h, c starting at initial_h, initial_c (or 0). Y[t] = h for t &lt; len and 0 beyond; Y_h, Y_c are the
/// states after the last valid step (for reverse: after t = 0). Inputs X, W, R, B, sequence_lens, initial_h,
/// initial_c, P; outputs Y, Y_h, Y_c (any may be absent); auxiliary values (always time-major, whatever the layout,
/// indexed by the time step t, not the step count, and zero for t ≥ len):
/// <see cref="AuxGates"/> [T,D,B,4H] post-activation i|o|f'|c~; <see cref="AuxCell"/> [T,D,B,H] c_t;
/// <see cref="AuxHidden"/> [T,D,B,H] h_t; <see cref="AuxPreact"/> [T,D,B,4H] the gate sums before clip and
/// activation, peephole terms included (the f row is kept even when input_forget ignores it).
/// The state before step t is h/c at t−1 (forward) or t+1 (reverse), or the initial state at the first step.
/// One instance holds the running states as scratch: it serves one run at a time.
/// </summary>
public sealed class LstmReference : IKernel, IOwnedMemory
{
    public const int AuxGates = 0;
    public const int AuxCell = 1;
    public const int AuxHidden = 2;
    public const int AuxPreact = 3;

    private readonly LstmParams _p;
    private readonly float[] _h;   // [D,B,H] running hidden state
    private readonly float[] _c;   // [D,B,H] running cell state
    private readonly float[] _pre; // [4H] one step's gate sums

    /// <summary>The running hidden and cell states and one step's gate sums: scratch (nothing survives a run).</summary>
    void IOwnedMemory.ReportMemory(OwnedMemory memory)
    {
        memory.Scratch(_h);
        memory.Scratch(_c);
        memory.Scratch(_pre);
    }

    public LstmReference(LstmParams p)
    {
        _p = p;
        _h = new float[p.Directions * p.Batch * p.HiddenSize];
        _c = new float[_h.Length];
        _pre = new float[4 * p.HiddenSize];
    }

    public LstmParams Params => _p;

    public void Run(KernelArgs a)
    {
        var x = a.Inputs[0].Span<float>();
        var w = a.Inputs[1].Span<float>();
        var r = a.Inputs[2].Span<float>();
        ReadOnlySpan<float> bias = RnnGeometry.Optional<float>(a.Inputs, 3);
        ReadOnlySpan<int> seqLens = RnnGeometry.Optional<int>(a.Inputs, 4);
        ReadOnlySpan<float> h0 = RnnGeometry.Optional<float>(a.Inputs, 5);
        ReadOnlySpan<float> c0 = RnnGeometry.Optional<float>(a.Inputs, 6);
        ReadOnlySpan<float> peep = RnnGeometry.Optional<float>(a.Inputs, 7);
        Span<float> y = RnnGeometry.Optional<float>(a.Outputs, 0);
        Span<float> yh = RnnGeometry.Optional<float>(a.Outputs, 1);
        Span<float> yc = RnnGeometry.Optional<float>(a.Outputs, 2);
        Run(x, w, r, bias, seqLens, h0, c0, peep, y, yh, yc,
            a.Auxiliary[AuxGates].Span<float>(), a.Auxiliary[AuxCell].Span<float>(),
            a.Auxiliary[AuxHidden].Span<float>(), a.Auxiliary[AuxPreact].Span<float>());
    }

    /// <summary>The computation on dense spans (shapes as in the class summary; empty spans for absent values).</summary>
    public void Run(
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> r, ReadOnlySpan<float> bias, ReadOnlySpan<int> seqLens,
        ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, ReadOnlySpan<float> peep,
        Span<float> y, Span<float> yh, Span<float> yc,
        Span<float> auxGates, Span<float> auxCell, Span<float> auxHidden, Span<float> auxPreact)
    {
        var g = _p.Geometry;
        int B = _p.Batch, I = _p.InputSize, H = _p.HiddenSize, D = _p.Directions;
        float clip = _p.Clip;
        y.Clear();
        auxGates.Clear();
        auxCell.Clear();
        auxHidden.Clear();
        auxPreact.Clear();

        for (int d = 0; d < D; d++)
        {
            bool reverse = g.Reverse(d);
            var fAct = _p.Activations[(3 * d) + 0];
            var gAct = _p.Activations[(3 * d) + 1];
            var hAct = _p.Activations[(3 * d) + 2];
            var wd = w.Slice(d * 4 * H * I, 4 * H * I);   // [4H, I]
            var rd = r.Slice(d * 4 * H * H, 4 * H * H);   // [4H, H]
            var wb = bias.IsEmpty ? default : bias.Slice(d * 8 * H, 4 * H);          // [4H]
            var rb = bias.IsEmpty ? default : bias.Slice((d * 8 * H) + (4 * H), 4 * H); // [4H]
            var pd = peep.IsEmpty ? default : peep.Slice(d * 3 * H, 3 * H);         // [3H] i|o|f

            for (int b = 0; b < B; b++)
            {
                var h = _h.AsSpan(((d * B) + b) * H, H); // [H]
                var c = _c.AsSpan(((d * B) + b) * H, H); // [H]
                g.Load(h0, d, b, h);
                g.Load(c0, d, b, c);
                int len = g.Length(seqLens, b, "LSTM");
                for (int s = 0; s < len; s++)
                {
                    int t = RnnGeometry.Time(s, len, reverse);
                    var xt = x.Slice(g.XOffset(t, b), I); // [I]

                    // _pre[row] = Σ_i W[row,i]·x_t[i] + Σ_k R[row,k]·h[k] + Wb[row] + Rb[row], rows i|o|f|c.
                    for (int row = 0; row < 4 * H; row++)
                    {
                        _pre[row] = g.GateSum(wd, rd, wb, rb, xt, h, row);
                    }

                    int a4 = g.AuxRow(t, d, b) * 4 * H; // into [T,D,B,4H]
                    int a1 = g.AuxRow(t, d, b) * H;     // into [T,D,B,H]
                    int yo = g.YOffset(t, d, b);
                    for (int j = 0; j < H; j++)
                    {
                        float pi = _pre[j] + (pd.IsEmpty ? 0f : pd[j] * c[j]);
                        float pf = _pre[(2 * H) + j] + (pd.IsEmpty ? 0f : pd[(2 * H) + j] * c[j]);
                        float pc = _pre[(3 * H) + j];
                        float gi = fAct.Apply(Clip(pi, clip));
                        float gf = _p.InputForget ? 1f - gi : fAct.Apply(Clip(pf, clip));
                        float gc = gAct.Apply(Clip(pc, clip));
                        float cNew = (gf * c[j]) + (gi * gc);
                        float po = _pre[H + j] + (pd.IsEmpty ? 0f : pd[H + j] * cNew);
                        float go = fAct.Apply(Clip(po, clip));
                        float hNew = go * hAct.Apply(cNew);

                        c[j] = cNew;
                        h[j] = hNew;
                        if (!y.IsEmpty)
                        {
                            y[yo + j] = hNew;
                        }

                        auxGates[a4 + j] = gi;
                        auxGates[a4 + H + j] = go;
                        auxGates[a4 + (2 * H) + j] = gf;
                        auxGates[a4 + (3 * H) + j] = gc;
                        auxPreact[a4 + j] = pi;
                        auxPreact[a4 + H + j] = po;
                        auxPreact[a4 + (2 * H) + j] = pf;
                        auxPreact[a4 + (3 * H) + j] = pc;
                        auxCell[a1 + j] = cNew;
                        auxHidden[a1 + j] = hNew;
                    }
                }

                g.Store(h, d, b, yh);
                g.Store(c, d, b, yc);
            }
        }
    }

    private static float Clip(float x, float clip) => RnnGeometry.Clip(x, clip);
}
