using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Reference GRU (ONNX gate order z, r, h), one matrix-vector product per gate row and step. For direction
/// <c>d</c>, batch row <c>b</c> and time <c>t</c> (forward: t = 0…len−1; reverse: t = len−1…0, len = sequence_lens[b]):
/// <code>
/// z  = f(clip(W_z·x_t + R_z·h + Wb_z + Rb_z))
/// r  = f(clip(W_r·x_t + R_r·h + Wb_r + Rb_r))
/// h~ = g(clip(W_h·x_t + R_h·(r ⊙ h) + Rb_h + Wb_h))        // linear_before_reset = 0
/// h~ = g(clip(W_h·x_t + r ⊙ (R_h·h + Rb_h) + Wb_h))        // linear_before_reset ≠ 0
/// h  = (1 − z) ⊙ h~ + z ⊙ h
/// </code>
/// with h starting at initial_h (or 0). Y[t] = h for t &lt; len and 0 beyond; Y_h is the state after the last
/// valid step. Inputs X, W [D,3H,I], R [D,3H,H], B [D,6H], sequence_lens, initial_h; outputs Y, Y_h (layouts as in
/// <see cref="LstmReference"/>); auxiliary values (time-major, indexed by t, zero for t ≥ len):
/// <see cref="AuxGates"/> [T,D,B,3H] post-activation z|r|h~; <see cref="AuxHidden"/> [T,D,B,H] h_t;
/// <see cref="AuxPreact"/> [T,D,B,3H] the arguments of clip and activation for z|r|h~.
/// One instance holds the running state as scratch: it serves one run at a time.
/// </summary>
public sealed class GruReference : IKernel, IOwnedMemory
{
    public const int AuxGates = 0;
    public const int AuxHidden = 1;
    public const int AuxPreact = 2;

    private readonly GruParams _p;
    private readonly float[] _h;    // [D,B,H] running hidden state
    private readonly float[] _pre;  // [3H] one step's gate arguments z|r|h~
    private readonly float[] _gate; // [3H] one step's gates z|r|h~

    /// <summary>The running hidden state and one step's gate buffers: scratch (nothing survives a run).</summary>
    void IOwnedMemory.ReportMemory(OwnedMemory memory)
    {
        memory.Scratch(_h);
        memory.Scratch(_pre);
        memory.Scratch(_gate);
    }

    public GruReference(GruParams p)
    {
        _p = p;
        _h = new float[p.Directions * p.Batch * p.HiddenSize];
        _pre = new float[3 * p.HiddenSize];
        _gate = new float[3 * p.HiddenSize];
    }

    public GruParams Params => _p;

    public void Run(KernelArgs a)
    {
        Run(a.Inputs[0].Span<float>(), a.Inputs[1].Span<float>(), a.Inputs[2].Span<float>(),
            RnnGeometry.Optional<float>(a.Inputs, 3), RnnGeometry.Optional<int>(a.Inputs, 4), RnnGeometry.Optional<float>(a.Inputs, 5),
            RnnGeometry.Optional<float>(a.Outputs, 0), RnnGeometry.Optional<float>(a.Outputs, 1),
            a.Auxiliary[AuxGates].Span<float>(), a.Auxiliary[AuxHidden].Span<float>(), a.Auxiliary[AuxPreact].Span<float>());
    }

    /// <summary>The computation on dense spans (shapes as in the class summary; empty spans for absent values).</summary>
    public void Run(
        ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> r, ReadOnlySpan<float> bias, ReadOnlySpan<int> seqLens,
        ReadOnlySpan<float> h0, Span<float> y, Span<float> yh, Span<float> auxGates, Span<float> auxHidden, Span<float> auxPreact)
    {
        var g = _p.Geometry;
        int B = _p.Batch, I = _p.InputSize, H = _p.HiddenSize, D = _p.Directions;
        float clip = _p.Clip;
        y.Clear();
        auxGates.Clear();
        auxHidden.Clear();
        auxPreact.Clear();

        for (int d = 0; d < D; d++)
        {
            bool reverse = g.Reverse(d);
            var fAct = _p.Activations[(2 * d) + 0];
            var gAct = _p.Activations[(2 * d) + 1];
            var wd = w.Slice(d * 3 * H * I, 3 * H * I);   // [3H, I]
            var rd = r.Slice(d * 3 * H * H, 3 * H * H);   // [3H, H]
            var wb = bias.IsEmpty ? default : bias.Slice(d * 6 * H, 3 * H);          // [3H]
            var rb = bias.IsEmpty ? default : bias.Slice((d * 6 * H) + (3 * H), 3 * H); // [3H]

            for (int b = 0; b < B; b++)
            {
                var h = _h.AsSpan(((d * B) + b) * H, H); // [H]
                g.Load(h0, d, b, h);
                int len = g.Length(seqLens, b, "GRU");
                for (int s = 0; s < len; s++)
                {
                    int t = RnnGeometry.Time(s, len, reverse);
                    var xt = x.Slice(g.XOffset(t, b), I); // [I]

                    // z and r rows: Σ_i W[row,i]·x_t[i] + Σ_k R[row,k]·h[k] + Wb[row] + Rb[row].
                    for (int row = 0; row < 2 * H; row++)
                    {
                        float acc = g.GateSum(wd, rd, wb, rb, xt, h, row);
                        _pre[row] = acc;
                        _gate[row] = fAct.Apply(Clip(acc, clip));
                    }

                    // h~ rows: the reset gate r = _gate[H..2H) applies before or after R_h.
                    for (int j = 0; j < H; j++)
                    {
                        int row = (2 * H) + j;
                        float xw = wb.IsEmpty ? 0f : wb[row];
                        for (int i = 0; i < I; i++)
                        {
                            xw += wd[(row * I) + i] * xt[i];
                        }

                        float rec = rb.IsEmpty ? 0f : rb[row];
                        float rj = _gate[H + j];
                        for (int k = 0; k < H; k++)
                        {
                            rec += rd[(row * H) + k] * (_p.LinearBeforeReset ? h[k] : _gate[H + k] * h[k]);
                        }

                        float ph = _p.LinearBeforeReset ? xw + (rj * rec) : xw + rec;
                        _pre[row] = ph;
                        _gate[row] = gAct.Apply(Clip(ph, clip));
                    }

                    int a3 = g.AuxRow(t, d, b) * 3 * H; // into [T,D,B,3H]
                    int a1 = g.AuxRow(t, d, b) * H;     // into [T,D,B,H]
                    int yo = g.YOffset(t, d, b);
                    for (int j = 0; j < H; j++)
                    {
                        float z = _gate[j];
                        float hNew = ((1f - z) * _gate[(2 * H) + j]) + (z * h[j]);
                        h[j] = hNew;
                        if (!y.IsEmpty)
                        {
                            y[yo + j] = hNew;
                        }

                        auxHidden[a1 + j] = hNew;
                    }

                    _gate.CopyTo(auxGates.Slice(a3, 3 * H));
                    _pre.CopyTo(auxPreact.Slice(a3, 3 * H));
                }

                g.Store(h, d, b, yh);
            }
        }
    }

    private static float Clip(float x, float clip) => RnnGeometry.Clip(x, clip);
}
