namespace NativeCnn.Runtime.Kernels;

/// <summary>The activation functions the ONNX recurrent operators (LSTM, GRU) may name in their <c>activations</c> attribute.</summary>
public enum RnnActivationKind
{
    Sigmoid,
    Tanh,
    Relu,
    HardSigmoid,
    Affine,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    Elu,
    Softsign,
    Softplus,
}

/// <summary>
/// One recurrent activation function with its parameters:
/// Sigmoid <c>1/(1+e^−x)</c>; Tanh; Relu <c>max(0,x)</c>; HardSigmoid <c>min(max(αx+β,0),1)</c>; Affine <c>αx+β</c>;
/// LeakyRelu <c>x ≥ 0 ? x : αx</c>; ThresholdedRelu <c>x &gt; α ? x : 0</c>; ScaledTanh <c>α·tanh(βx)</c>;
/// Elu <c>x ≥ 0 ? x : α(e^x−1)</c>; Softsign <c>x/(1+|x|)</c>; Softplus <c>ln(1+e^x)</c>.
/// </summary>
public readonly record struct RnnActivation(RnnActivationKind Kind, float Alpha, float Beta)
{
    public static readonly RnnActivation Sigmoid = new(RnnActivationKind.Sigmoid, 0f, 0f);

    public static readonly RnnActivation Tanh = new(RnnActivationKind.Tanh, 0f, 0f);

    public float Apply(float x) => Kind switch
    {
        RnnActivationKind.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        RnnActivationKind.Tanh => MathF.Tanh(x),
        RnnActivationKind.Relu => x > 0f ? x : 0f,
        RnnActivationKind.HardSigmoid => MathF.Min(MathF.Max((Alpha * x) + Beta, 0f), 1f),
        RnnActivationKind.Affine => (Alpha * x) + Beta,
        RnnActivationKind.LeakyRelu => x >= 0f ? x : Alpha * x,
        RnnActivationKind.ThresholdedRelu => x > Alpha ? x : 0f,
        RnnActivationKind.ScaledTanh => Alpha * MathF.Tanh(Beta * x),
        RnnActivationKind.Elu => x >= 0f ? x : Alpha * (MathF.Exp(x) - 1f),
        RnnActivationKind.Softsign => x / (1f + MathF.Abs(x)),
        // ln(1+e^x) written so that e^x cannot overflow: x + ln(1+e^−x) for x > 0.
        _ => x > 0f ? (float)(x + Math.Log(1.0 + Math.Exp(-(double)x))) : (float)Math.Log(1.0 + Math.Exp(x)),
    };

    public override string ToString() => Kind switch
    {
        RnnActivationKind.HardSigmoid or RnnActivationKind.Affine or RnnActivationKind.ScaledTanh => $"{Kind}({Alpha},{Beta})",
        RnnActivationKind.LeakyRelu or RnnActivationKind.ThresholdedRelu or RnnActivationKind.Elu => $"{Kind}({Alpha})",
        _ => Kind.ToString(),
    };

    /// <summary>
    /// Resolves the <c>activations</c>, <c>activation_alpha</c>, <c>activation_beta</c> attributes of a recurrent node:
    /// <paramref name="perDirection"/> functions per direction (<paramref name="defaults"/> when the attribute is
    /// absent; a list for one direction is reused for both). Names match case-insensitively. α and β are consumed
    /// in order by the functions that take them; a function with no value left gets its default
    /// (LeakyRelu α=0.01, ThresholdedRelu α=1, HardSigmoid α=0.2 β=0.5, Elu α=1, Affine α=1 β=0, ScaledTanh α=1 β=1).
    /// Returns <c>directions · perDirection</c> functions, direction-major; throws <see cref="ArgumentException"/>.
    /// </summary>
    public static RnnActivation[] Resolve(string[]? names, float[]? alphas, float[]? betas, RnnActivation[] defaults, int directions)
    {
        int perDirection = defaults.Length;
        if (names is null)
        {
            var r = new RnnActivation[perDirection * directions];
            for (int d = 0; d < directions; d++)
            {
                defaults.CopyTo(r, d * perDirection);
            }

            return r;
        }

        if (names.Length != perDirection * directions && !(names.Length == perDirection && directions == 2))
        {
            throw new ArgumentException($"'activations' has {names.Length} entries; expected {perDirection * directions} ({perDirection} per direction)");
        }

        int ai = 0, bi = 0;
        float NextAlpha(float dflt) => alphas is not null && ai < alphas.Length ? alphas[ai++] : dflt;
        float NextBeta(float dflt) => betas is not null && bi < betas.Length ? betas[bi++] : dflt;

        var parsed = new RnnActivation[names.Length];
        for (int k = 0; k < names.Length; k++)
        {
            parsed[k] = names[k].ToLowerInvariant() switch
            {
                "sigmoid" => Sigmoid,
                "tanh" => Tanh,
                "relu" => new RnnActivation(RnnActivationKind.Relu, 0f, 0f),
                "softsign" => new RnnActivation(RnnActivationKind.Softsign, 0f, 0f),
                "softplus" => new RnnActivation(RnnActivationKind.Softplus, 0f, 0f),
                "leakyrelu" => new RnnActivation(RnnActivationKind.LeakyRelu, NextAlpha(0.01f), 0f),
                "thresholdedrelu" => new RnnActivation(RnnActivationKind.ThresholdedRelu, NextAlpha(1f), 0f),
                "elu" => new RnnActivation(RnnActivationKind.Elu, NextAlpha(1f), 0f),
                "hardsigmoid" => new RnnActivation(RnnActivationKind.HardSigmoid, NextAlpha(0.2f), NextBeta(0.5f)),
                "affine" => new RnnActivation(RnnActivationKind.Affine, NextAlpha(1f), NextBeta(0f)),
                "scaledtanh" => new RnnActivation(RnnActivationKind.ScaledTanh, NextAlpha(1f), NextBeta(1f)),
                _ => throw new ArgumentException($"unknown recurrent activation '{names[k]}'"),
            };
        }

        return parsed.Length == perDirection * directions ? parsed : [.. parsed, .. parsed];
    }
}

/// <summary>Which way a recurrent operator runs over the sequence.</summary>
public enum RnnDirection
{
    Forward,
    Reverse,
    Bidirectional,
}

/// <summary>
/// Shapes and attributes of an LSTM node, validated at plan time. <c>D</c> = 1, or 2 for bidirectional.
/// Layout 0: X [T,B,I], Y [T,D,B,H], states [D,B,H]; layout 1: X [B,T,I], Y [B,T,D,H], states [B,D,H].
/// <see cref="Activations"/> holds f, g, h for each direction (direction-major); <see cref="Clip"/> is
/// +∞ when the node has no clip.
/// </summary>
public sealed record LstmParams(
    int SeqLength, int Batch, int InputSize, int HiddenSize, RnnDirection Direction, int Layout,
    float Clip, bool InputForget, RnnActivation[] Activations)
{
    public int Directions => Direction == RnnDirection.Bidirectional ? 2 : 1;

    public RnnGeometry Geometry => new(SeqLength, Batch, InputSize, HiddenSize, Directions, Direction == RnnDirection.Reverse, Layout);
}

/// <summary>
/// Shapes and attributes of a GRU node, validated at plan time (layouts as in <see cref="LstmParams"/>).
/// <see cref="Activations"/> holds f, g for each direction (direction-major).
/// </summary>
public sealed record GruParams(
    int SeqLength, int Batch, int InputSize, int HiddenSize, RnnDirection Direction, int Layout,
    float Clip, bool LinearBeforeReset, RnnActivation[] Activations)
{
    public int Directions => Direction == RnnDirection.Bidirectional ? 2 : 1;

    public RnnGeometry Geometry => new(SeqLength, Batch, InputSize, HiddenSize, Directions, Direction == RnnDirection.Reverse, Layout);
}

/// <summary>
/// The indexing, state handling and step order the recurrent reference kernels (LSTM, GRU) share. Direction d runs
/// backwards in time when the node is reverse or d = 1; for batch row b the steps s = 0…len−1 visit
/// t = s (forward) or t = len−1−s (reverse), len = sequence_lens[b].
/// </summary>
public readonly record struct RnnGeometry(int SeqLength, int Batch, int InputSize, int HiddenSize, int Directions, bool ReverseOnly, int Layout)
{
    public bool Reverse(int d) => ReverseOnly || d == 1;

    /// <summary>The time step visited at step count <paramref name="s"/>.</summary>
    public static int Time(int s, int len, bool reverse) => reverse ? len - 1 - s : s;

    /// <summary>sequence_lens[b] (T when absent), checked against [0, T].</summary>
    public int Length(ReadOnlySpan<int> seqLens, int b, string op)
    {
        int len = seqLens.IsEmpty ? SeqLength : seqLens[b];
        if ((uint)len > (uint)SeqLength)
        {
            throw new InputMismatchException($"{op}: sequence_lens[{b}] = {len} is outside [0, {SeqLength}]");
        }

        return len;
    }

    /// <summary>X: layout 0 [T,B,I], layout 1 [B,T,I].</summary>
    public int XOffset(int t, int b) => (Layout == 0 ? (t * Batch) + b : (b * SeqLength) + t) * InputSize;

    /// <summary>Y: layout 0 [T,D,B,H], layout 1 [B,T,D,H].</summary>
    public int YOffset(int t, int d, int b) =>
        (Layout == 0 ? (((t * Directions) + d) * Batch) + b : (((b * SeqLength) + t) * Directions) + d) * HiddenSize;

    /// <summary>Initial and final states: layout 0 [D,B,H], layout 1 [B,D,H].</summary>
    public int StateOffset(int d, int b) => (Layout == 0 ? (d * Batch) + b : (b * Directions) + d) * HiddenSize;

    /// <summary>Row (t, d, b) of the time-major auxiliary values [T,D,B,·], in rows.</summary>
    public int AuxRow(int t, int d, int b) => (((t * Directions) + d) * Batch) + b;

    /// <summary>Sets the running state of row (d, b) to the initial state, or 0 when none is given.</summary>
    public void Load(ReadOnlySpan<float> initial, int d, int b, Span<float> state)
    {
        if (initial.IsEmpty)
        {
            state.Clear();
        }
        else
        {
            initial.Slice(StateOffset(d, b), HiddenSize).CopyTo(state);
        }
    }

    /// <summary>Copies the running state of row (d, b) to a final-state output, when it is requested.</summary>
    public void Store(ReadOnlySpan<float> state, int d, int b, Span<float> final)
    {
        if (!final.IsEmpty)
        {
            state.CopyTo(final.Slice(StateOffset(d, b), HiddenSize));
        }
    }

    /// <summary>
    /// One gate row: <c>Wb[row] + Rb[row] + Σ_i W[row,i]·x_t[i] + Σ_k R[row,k]·h[k]</c>, summed in that order in float
    /// (W [G·H, I], R [G·H, H] of one direction; no bias when <paramref name="wb"/> is empty).
    /// </summary>
    public float GateSum(ReadOnlySpan<float> wd, ReadOnlySpan<float> rd, ReadOnlySpan<float> wb, ReadOnlySpan<float> rb,
        ReadOnlySpan<float> xt, ReadOnlySpan<float> h, int row)
    {
        float acc = wb.IsEmpty ? 0f : wb[row] + rb[row];
        for (int i = 0; i < InputSize; i++)
        {
            acc += wd[(row * InputSize) + i] * xt[i];
        }

        for (int k = 0; k < HiddenSize; k++)
        {
            acc += rd[(row * HiddenSize) + k] * h[k];
        }

        return acc;
    }

    /// <summary>Clamps to [−clip, clip]; +∞ (no clip attribute) leaves x unchanged.</summary>
    public static float Clip(float x, float clip) => MathF.Min(MathF.Max(x, -clip), clip);

    /// <summary>The span of an optional input or output, empty when it is absent.</summary>
    internal static Span<T> Optional<T>(TensorView[] views, int i) where T : unmanaged =>
        i < views.Length && !views[i].IsNull ? views[i].Span<T>() : default;
}
