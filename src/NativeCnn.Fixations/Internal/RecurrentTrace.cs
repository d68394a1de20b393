using NativeCnn.Runtime;

namespace NativeCnn.Fixations.Internal;

/// <summary>
/// What the GRU and LSTM rules share: the inputs X [T,B,I] (layout 0) or [B,T,I] (layout 1), W [D,G·H,I] and
/// R [D,G·H,H] read and checked, direction, layout, clip, sequence_lens (T for every row when absent), the
/// auxiliary values of the step, the [T,D,B,H] unit index of the pending fixations, the seeding of those from Y and
/// from the final states, and the step order (from the last computed step back to the first).
/// </summary>
internal sealed class RecurrentTrace
{
    private readonly RuleContext ctx;

    private RecurrentTrace(RuleContext ctx, TensorView x, TensorView w, TensorView r)
    {
        this.ctx = ctx;
        (X, W, R) = (x, w, r);
        var node = ctx.Node;
        Direction = node.GetString("direction", "forward");
        Layout = (int)node.GetInt("layout", 0);
        (D, H, I) = (w.Shape[0], r.Shape[2], w.Shape[2]);
        T = Layout == 0 ? x.Shape[0] : x.Shape[1];
        B = Layout == 0 ? x.Shape[1] : x.Shape[0];
        Clip = node.Attribute("clip") is not null ? node.GetFloat("clip", 0f) : float.PositiveInfinity;
        Lens = ctx.HasInput(4) ? ctx.Input(4).ToInt64Array().Select(l => (int)l).ToArray() : Enumerable.Repeat(T, B).ToArray();
    }

    public TensorView X { get; }

    public TensorView W { get; }

    public TensorView R { get; }

    public string Direction { get; }

    public int Layout { get; }

    public int T { get; }

    public int B { get; }

    public int D { get; }

    public int H { get; }

    public int I { get; }

    /// <summary>Gate arguments beyond ±Clip were cut (derivative 0); +∞ without the attribute.</summary>
    public float Clip { get; }

    /// <summary>sequence_lens per batch row.</summary>
    public int[] Lens { get; }

    /// <summary>Whether a gate with this pre-activation argument was not cut by clip (its derivative is not 0).</summary>
    public bool Active(float preact) => MathF.Abs(preact) <= Clip;

    /// <summary>
    /// Sends a fixation on unit <paramref name="k"/> of the previous hidden state: a hidden-state mark of step
    /// <paramref name="prev"/> (unit offset <paramref name="prevUnit"/>), or, before the first step, initial_h (input 5,
    /// offset <paramref name="initial"/>) when it is given.
    /// </summary>
    public void HiddenBefore(int prev, long prevUnit, long initial, int k, bool[] hid)
    {
        if (prev >= 0)
        {
            hid[prevUnit + k] = true;
        }
        else if (ctx.HasInput(5))
        {
            ctx.Add(5, initial + k);
        }
    }

    /// <summary>
    /// Reads X, W, R and the attributes; the activations must be <paramref name="defaults"/> (one per gate kind,
    /// repeated per direction) because the rules' derivatives are those of σ and tanh.
    /// </summary>
    public static RecurrentTrace Read(RuleContext ctx, string[] defaults, string defaultsText)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var r = ctx.Input(2);
        ctx.ExpectFloat(x, "X");
        ctx.ExpectFloat(w, "W");
        ctx.ExpectFloat(r, "R");
        var trace = new RecurrentTrace(ctx, x, w, r);
        int n = defaults.Length;
        if (ctx.Node.GetStrings("activations") is { } acts &&
            (acts.Length != n * trace.D || acts.Where((a, k) => !a.Equals(defaults[k % n], StringComparison.OrdinalIgnoreCase)).Any()))
        {
            throw ctx.Error($"activations [{string.Join(",", acts)}]: the rule's derivatives are those of the defaults {defaultsText}");
        }

        return trace;
    }

    /// <summary>The auxiliary value of the step whose name ends with <paramref name="suffix"/> (float).</summary>
    public TensorView Aux(string suffix)
    {
        string name = ctx.Step.Auxiliary.FirstOrDefault(a => a.EndsWith(suffix, StringComparison.Ordinal))
            ?? throw ctx.Error($"the step keeps no auxiliary '{suffix}' value");
        var v = ctx.Value(name);
        ctx.ExpectFloat(v, name);
        return v;
    }

    /// <summary>The index of the auxiliary value whose name ends with <paramref name="suffix"/>, for <see cref="RuleContext.Record"/>.</summary>
    public int AuxIndex(string suffix) => Array.FindIndex(ctx.Step.Auxiliary, a => a.EndsWith(suffix, StringComparison.Ordinal));

    /// <summary>A float input given as optional input <paramref name="index"/>, or null.</summary>
    public unsafe float* Optional(int index, string name)
    {
        if (!ctx.HasInput(index))
        {
            return null;
        }

        var v = ctx.Input(index);
        ctx.ExpectFloat(v, name);
        return (float*)v.Pointer;
    }

    /// <summary>Steps of direction <paramref name="d"/> run backwards in time.</summary>
    public bool Reverse(int d) => Direction == "reverse" || d == 1;

    /// <summary>Start of unit row (t, d, b) in the [T,D,B,H] auxiliary values and pending-fixation arrays.</summary>
    public long Unit(int t, int d, int b) => ((((long)t * D) + d) * B + b) * H;

    /// <summary>Start of row (d, b) of initial_h / initial_c ([D,B,H] layout 0, [B,D,H] layout 1).</summary>
    public long Initial(int d, int b) => (Layout == 0 ? ((long)d * B) + b : ((long)b * D) + d) * H;

    /// <summary>Start of x_t of row b in X.</summary>
    public long XOffset(int t, int b) => (Layout == 0 ? ((long)t * B) + b : ((long)b * T) + t) * I;

    /// <summary>Turns the fixations of Y ([T,D,B,H] layout 0, [B,T,D,H] layout 1) into hidden-unit fixations; those at t ≥ sequence_lens[b] are dropped.</summary>
    public void SeedY(bool[] hid)
    {
        foreach (long f in ctx.OutputFixations(0))
        {
            int j = (int)(f % H);
            long rest = f / H;
            int t, d, b;
            if (Layout == 0)
            {
                (b, d, t) = ((int)(rest % B), (int)(rest / B % D), (int)(rest / B / D));
            }
            else
            {
                (d, t, b) = ((int)(rest % D), (int)(rest / D % T), (int)(rest / D / T));
            }

            if (t < Lens[b])
            {
                hid[Unit(t, d, b) + j] = true;
            }
        }
    }

    /// <summary>
    /// Turns the fixations of a final state (output <paramref name="output"/>: Y_h or Y_c) into fixations of the last
    /// computed step; a row of length 0 goes straight to the initial state (input <paramref name="initial"/>).
    /// </summary>
    public void SeedFinal(int output, int initial, bool[] pending)
    {
        foreach (long f in ctx.OutputFixations(output))
        {
            int j = (int)(f % H);
            long rest = f / H;
            (int d, int b) = Layout == 0 ? ((int)(rest / B), (int)(rest % B)) : ((int)(rest % D), (int)(rest / D));
            int len = Lens[b];
            if (len == 0)
            {
                // The final state is the initial state.
                if (ctx.HasInput(initial))
                {
                    ctx.Add(initial, f);
                }

                continue;
            }

            int t = Reverse(d) ? 0 : len - 1;
            pending[Unit(t, d, b) + j] = true;
        }
    }

    /// <summary>
    /// Calls <paramref name="step"/>(t, prev, d, b) for every computed step, from the last computed back to the first,
    /// so the fixations of a step are complete when it is reached; prev is the step before (t−1 forward, t+1
    /// reverse), −1 before the first.
    /// </summary>
    public void StepsBackwards(Action<int, int, int, int> step)
    {
        for (int d = 0; d < D; d++)
        {
            bool reverse = Reverse(d);
            for (int b = 0; b < B; b++)
            {
                int len = Lens[b];
                for (int s = len - 1; s >= 0; s--)
                {
                    int t = reverse ? len - 1 - s : s;
                    int prev = s == 0 ? -1 : reverse ? t + 1 : t - 1;
                    step(t, prev, d, b);
                }
            }
        }
    }
}
