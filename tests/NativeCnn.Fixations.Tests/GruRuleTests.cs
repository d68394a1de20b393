using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The GRU rule: a hand-sized cell with a known answer, the one-step derivatives against finite differences of the
/// real operator, agreement with the plain-loop reference, a CNN + GRU captioning-style graph, directions, layouts.
/// </summary>
public sealed class GruRuleTests(ITestOutputHelper output)
{
    /// <summary>
    /// Central differences of float32 outputs with step 2·Eps: rounding error ≈ 1e-7 / Eps ≈ 3e-5, truncation
    /// ≈ Eps²·|f'''| ≈ 1e-5 for weights of order 1; the tolerance is ten times that.
    /// </summary>
    private const float Eps = 4e-3f;
    private const double FdTolerance = 5e-4;

    private static Func<int[], float, float, Tensor> Rng(int seed)
    {
        var rng = new Random(seed);
        return (shape, lo, hi) =>
        {
            var t = Tensor.Create(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = lo + (float)(rng.NextDouble() * (hi - lo));
            }

            return t;
        };
    }

    /// <summary>The captioner of <see cref="RecurrentGraphs.Captioner"/> with a GRU (B [1,6H]).</summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(4, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void TheChosenWordIsTracedThroughTheStepsToTheImage(int seed, bool linearBeforeReset) =>
        output.WriteLine(RecurrentGraphs.TraceChosenWord(
            RecurrentGraphs.Captioner("gru-captioner", "GRU", 3, seed, AttributeValue.Of("linear_before_reset", linearBeforeReset ? 1L : 0L)),
            OpKind.GRU, seed, $"GRU captioner seed {seed} lbr {linearBeforeReset}"));

    /// <summary>One step: x [1,1,I] and initial_h [1,1,H] are graph inputs, so both can be perturbed.</summary>
    private static ModelGraph OneStep(Tensor w, Tensor r, Tensor? bias, bool linearBeforeReset, params AttributeValue[] extra)
    {
        int I = w.Shape[2], H = r.Shape[2];
        var b = new OnnxModelBuilder("gru-step").Opset(13)
            .AddInput("x", DataType.Float32, 1, 1, I)
            .AddInput("h0", DataType.Float32, 1, 1, H)
            .AddInitializer("W", w)
            .AddInitializer("R", r);
        if (bias is not null)
        {
            b.AddInitializer("B", bias);
        }

        b.AddNode("GRU", ["x", "W", "R", bias is null ? "" : "B", "", "h0"], ["Y"],
                [AttributeValue.Of("hidden_size", (long)H), AttributeValue.Of("linear_before_reset", linearBeforeReset ? 1L : 0L), .. extra])
            .AddOutput("Y", DataType.Float32, 1, 1, 1, H);
        return OnnxModel.Load(b.ToBytes(), null);
    }

    private static KeyValuePair<string, Tensor>[] Inputs(Tensor x, Tensor h0) => [new("x", x), new("h0", h0)];

    /// <summary>
    /// H = 2, I = 2, linear_before_reset = 0, no bias. Unit 0's candidate reads only unit 1's reset-gated state
    /// (R_h[0,1] = 1), and only unit 1's reset gate reads x (W_r[1] = [+1, −1]); every other weight is 0. So x reaches
    /// h_1[0] only through the reset-gate mixing: ∂h[0]/∂x = u_1·[+1, −1] with u_1 = s_h·R_h[0,1]·h_1·σ'(r_1) &gt; 0, and
    /// with x = [1, 1] only x[0] contributes positively. ∂h[0]/∂h0 = [z_0, s_h·r_1] with h0 = [0, 0.5]: only h0[1].
    /// Unit 1 has no weights at all: only its carry z_1·h0[1] &gt; 0 remains.
    /// </summary>
    [Fact]
    public void HandSizedCellFollowsTheResetGateMixing()
    {
        var w = Tensor.FromArray(new float[] { 0, 0, 0, 0, /* r */ 0, 0, 1, -1, /* h */ 0, 0, 0, 0 }, 1, 6, 2);
        var rr = Tensor.FromArray(new float[] { 0, 0, 0, 0, /* r */ 0, 0, 0, 0, /* h */ 0, 1, 0, 0 }, 1, 6, 2);
        using var session = new InferenceSession(OneStep(w, rr, null, false));
        var store = session.Run(Inputs(Tensor.FromArray(new float[] { 1, 1 }, 1, 1, 2), Tensor.FromArray(new float[] { 0, 0.5f }, 1, 1, 2)));

        // The known forward values: z = r = 0.5 everywhere, h~_0 = tanh(R_h[0,1]·r_1·h_1) = tanh(0.25).
        var gates = store[store.Plan.Steps[0].Auxiliary.Single(a => a.EndsWith("#gates", StringComparison.Ordinal))].ToDoubleArray();
        Assert.Equal([0.5, 0.5, 0.5, 0.5, Math.Tanh(0.25), 0], gates, new ToleranceComparer(1e-6));
        var (dx, dh) = ReferenceBacktracker.GruStep(w.View.ToDoubleArray(), rr.View.ToDoubleArray(), null, [1, 1], [0, 0.5], gates, false, 0);
        double sh = 0.5 * (1 - (Math.Tanh(0.25) * Math.Tanh(0.25))), u1 = sh * 1 * 0.5 * 0.25;
        Assert.Equal([u1, -u1], dx, new ToleranceComparer(1e-9));
        Assert.Equal([0.5, sh * 0.5], dh, new ToleranceComparer(1e-9));

        var r0 = new Backtracker().Backtrack(store, StartPoint.Neuron("Y", 0));
        Assert.Equal([0L], r0["x"]!.Indices);
        Assert.Equal([1L], r0["h0"]!.Indices);
        AgreementTests.AssertSame(new ReferenceBacktracker(store).Run("Y", 0, FixationOptions.Default), r0, "hand cell unit 0");

        var r1 = new Backtracker().Backtrack(store, StartPoint.Neuron("Y", 1));
        Assert.Null(r1["x"]);
        Assert.Equal([1L], r1["h0"]!.Indices);
        AgreementTests.AssertSame(new ReferenceBacktracker(store).Run("Y", 1, FixationOptions.Default), r1, "hand cell unit 1");
    }

    /// <summary>
    /// ∂h_1[j]/∂x[i] and ∂h_1[j]/∂h0[k] of the reference formulas (the rule's, written independently) against central
    /// differences of the real GRU operator, for both linear_before_reset, H in {1, 2, 5}, with and without clip (a
    /// clipped gate is flat); then the rule's kept
    /// decisions against the signs of "value × finite difference" wherever a product is clearly away from 0.
    /// </summary>
    [Theory]
    [InlineData(1, 3, 1, false)]
    [InlineData(2, 3, 2, false)]
    [InlineData(3, 4, 5, false)]
    [InlineData(4, 3, 2, true)]
    [InlineData(5, 4, 5, true)]
    [InlineData(6, 4, 5, false, 0.8f)]
    [InlineData(8, 4, 5, true, 0.8f)]
    public void DerivativesMatchFiniteDifferencesOfTheOperator(int seed, int I, int H, bool linearBeforeReset, float clip = 0)
    {
        var rand = Rng(seed);
        var w = rand([1, 3 * H, I], -1.2f, 1.2f);
        var rr = rand([1, 3 * H, H], -1.2f, 1.2f);
        var bias = rand([1, 6 * H], -0.5f, 0.5f);
        var x = rand([1, 1, I], -1f, 1f);
        var h0 = rand([1, 1, H], -0.9f, 0.9f);
        var graph = OneStep(w, rr, bias, linearBeforeReset, clip > 0 ? [AttributeValue.Of("clip", clip)] : []);
        using var session = new InferenceSession(graph);
        using var perturbed = new InferenceSession(graph);
        var store = session.Run(Inputs(x, h0));
        var aux = store.Plan.Steps[0].Auxiliary;
        var gates = store[aux.Single(a => a.EndsWith("#gates", StringComparison.Ordinal))].ToDoubleArray();
        var preact = store[aux.Single(a => a.EndsWith("#preact", StringComparison.Ordinal))].ToDoubleArray();
        double[] xd = x.View.ToDoubleArray(), hd = h0.View.ToDoubleArray();
        double clipAt = clip > 0 ? clip : double.PositiveInfinity;
        int clipped = preact.Count(p => Math.Abs(p) > clipAt);
        if (clip > 0)
        {
            // Both sides of the clip must occur, and no argument may sit within reach of a perturbation (it moves an
            // argument by at most Eps·max|W or R| ≈ 5e-3): the seeds below are chosen so.
            Assert.InRange(clipped, 1, (3 * H) - 1);
            Assert.All(preact, p => Assert.True(Math.Abs(Math.Abs(p) - clip) > 0.02, $"gate argument {p} too close to clip {clip}"));
        }

        // fd[j][n]: ∂Y[j]/∂(input n), n < I for x, I + k for h0.
        var fd = new double[H, I + H];
        for (int n = 0; n < I + H; n++)
        {
            double[] Run(float delta)
            {
                var xp = Tensor.FromArray(x.AsSpan<float>().ToArray(), 1, 1, I);
                var hp = Tensor.FromArray(h0.AsSpan<float>().ToArray(), 1, 1, H);
                (n < I ? xp.AsSpan<float>() : hp.AsSpan<float>())[n < I ? n : n - I] += delta;
                return perturbed.Run(Inputs(xp, hp))["Y"].ToDoubleArray();
            }

            double[] plus = Run(Eps), minus = Run(-Eps);
            float v = n < I ? x.AsSpan<float>()[n] : h0.AsSpan<float>()[n - I];
            float step = (v + Eps) - (v - Eps); // the distance actually taken in float32
            for (int j = 0; j < H; j++)
            {
                fd[j, n] = (plus[j] - minus[j]) / step;
            }
        }

        int judged = 0;
        for (int j = 0; j < H; j++)
        {
            var (dx, dh) = ReferenceBacktracker.GruStep(w.View.ToDoubleArray(), rr.View.ToDoubleArray(), bias.View.ToDoubleArray(), xd, hd, gates, linearBeforeReset, j, preact, clipAt);
            for (int n = 0; n < I + H; n++)
            {
                double exact = n < I ? dx[n] : dh[n - I];
                Assert.True(Math.Abs(exact - fd[j, n]) <= FdTolerance * (1 + Math.Abs(exact)),
                    $"seed {seed} I {I} H {H} lbr {linearBeforeReset}: ∂h[{j}]/∂{(n < I ? $"x[{n}]" : $"h0[{n - I}]")} = {exact} but finite differences give {fd[j, n]}");
            }

            // The rule's kept sets against the finite differences alone: a product clearly positive must be kept, one
            // clearly negative must not (unless every product is, when the argmax is kept); products within the
            // finite-difference error of 0 are not judged.
            var products = Enumerable.Range(0, I + H).Select(n => fd[j, n] * (n < I ? xd[n] : hd[n - I])).ToArray();
            var result = new Backtracker().Backtrack(store, StartPoint.Neuron("Y", j));
            var xKept = result["x"]?.Indices ?? [];
            var hKept = result["h0"]?.Indices ?? [];
            bool Kept(int n) => n < I ? xKept.Contains(n) : hKept.Contains(n - I);
            double margin = 20 * FdTolerance;
            int argmax = Array.IndexOf(products, products.Max());
            bool fallback = products.All(p => p < -margin);
            for (int n = 0; n < I + H; n++)
            {
                if (Math.Abs(products[n]) > margin)
                {
                    bool expectKept = products[n] > 0 || (fallback && n == argmax);
                    Assert.True(expectKept == Kept(n), $"seed {seed} unit {j}: input {n} (product {products[n]:G4}) kept = {Kept(n)}");
                    judged++;
                }
            }

            AgreementTests.AssertSame(new ReferenceBacktracker(store).Run("Y", j, FixationOptions.Default), result, $"seed {seed} unit {j}");
        }

        Assert.True(judged >= H * (I + H) / 2, $"seed {seed}: only {judged} of {H * (I + H)} contributions clearly away from 0");
        output.WriteLine($"seed {seed} I {I} H {H} lbr {linearBeforeReset} clip {clip} ({clipped} gates clipped): {judged}/{H * (I + H)} kept decisions checked against finite differences");
    }

    /// <summary>Several steps, batch 2, random weights and bias: the rule agrees with the reference from every unit of Y_h and from Y.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AgreesWithTheReferenceOverSteps(bool linearBeforeReset)
    {
        var rand = Rng(linearBeforeReset ? 21 : 20);
        const int T = 5, B = 2, I = 3, H = 4;
        var b = new OnnxModelBuilder("gru").Opset(13)
            .AddInput("x", DataType.Float32, T, B, I)
            .AddInitializer("W", rand([1, 3 * H, I], -1f, 1f))
            .AddInitializer("R", rand([1, 3 * H, H], -1f, 1f))
            .AddInitializer("B", rand([1, 6 * H], -0.3f, 0.3f))
            .AddInitializer("h0", rand([1, B, H], -0.5f, 0.5f))
            .AddNode("GRU", ["x", "W", "R", "B", "", "h0"], ["Y", "Y_h"], AttributeValue.Of("hidden_size", (long)H),
                AttributeValue.Of("linear_before_reset", linearBeforeReset ? 1L : 0L))
            .AddOutput("Y", DataType.Float32, T, 1, B, H)
            .AddOutput("Y_h", DataType.Float32, 1, B, H);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(rand([T, B, I], -1f, 1f));
        var reference = new ReferenceBacktracker(store);
        for (int f = 0; f < B * H; f++)
        {
            AgreementTests.AssertSame(reference.Run("Y_h", f, FixationOptions.Default), new Backtracker().Backtrack(store, StartPoint.Neuron("Y_h", f)), $"Y_h {f}");
        }

        for (int f = 0; f < T * B * H; f += 3)
        {
            AgreementTests.AssertSame(reference.Run("Y", f, FixationOptions.Default), new Backtracker().Backtrack(store, StartPoint.Neuron("Y", f)), $"Y {f}");
        }
    }

    [Theory]
    [InlineData("reverse")]
    [InlineData("bidirectional")]
    public void ReverseAndBidirectionalReachEveryStep(string direction)
    {
        int dirs = direction == "bidirectional" ? 2 : 1;
        var rand = Rng(5);
        var b = new OnnxModelBuilder("gru").Opset(13)
            .AddInput("x", DataType.Float32, 5, 2, 3)
            .AddInitializer("W", rand([dirs, 12, 3], -0.5f, 0.5f))
            .AddInitializer("R", rand([dirs, 12, 4], -0.5f, 0.5f))
            .AddNode("GRU", ["x", "W", "R"], ["Y", "Y_h"], AttributeValue.Of("hidden_size", 4L), AttributeValue.Of("direction", direction))
            .AddOutput("Y_h", DataType.Float32, dirs, 2, 4);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(Tensor.FromArray(Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i + 1)).ToArray(), 5, 2, 3));
        // Y_h of the reverse direction (d = dirs − 1), batch 1, unit 2: its last step is t = 0.
        var r = new Backtracker().Backtrack(store, StartPoint.Neuron("Y_h", ((dirs - 1) * 8) + 4 + 2));
        string hiddenAux = store.Plan.Steps[0].Auxiliary.Single(a => a.EndsWith("#hidden", StringComparison.Ordinal));
        var hidden = r[hiddenAux]!.AllCoordinates().ToList();
        Assert.All(hidden, c => Assert.Equal((dirs - 1, 1), (c[1], c[2])));
        Assert.Contains(hidden, c => c[0] == 0 && c[3] == 2);
        var xs = r["x"]!.AllCoordinates().ToList();
        Assert.NotEmpty(xs);
        Assert.All(xs, c => Assert.Equal(1, c[1]));
        Assert.All(xs, c => Assert.Contains(hidden, h => h[0] == c[0]));
    }

    /// <summary>
    /// A reverse GRU on x is a forward GRU on x reversed in time: the fixations from every unit of Y_h are the same
    /// with t ↦ T−1−t (the forward side is also checked against the reference).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReverseIsForwardOnTheReversedSequence(bool linearBeforeReset)
    {
        var rand = Rng(linearBeforeReset ? 31 : 30);
        const int T = 5, B = 2, I = 3, H = 4;
        var w = rand([1, 3 * H, I], -1f, 1f);
        var rr = rand([1, 3 * H, H], -1f, 1f);
        var bias = rand([1, 6 * H], -0.3f, 0.3f);
        var x = rand([T, B, I], -1f, 1f);
        var xr = Tensor.Create(DataType.Float32, [T, B, I]);
        for (int t = 0; t < T; t++)
        {
            x.AsSpan<float>().Slice(t * B * I, B * I).CopyTo(xr.AsSpan<float>()[((T - 1 - t) * B * I)..]);
        }

        (InferenceSession, ActivationStore) Build(string direction, Tensor input)
        {
            var b = new OnnxModelBuilder("gru").Opset(13)
                .AddInput("x", DataType.Float32, T, B, I)
                .AddInitializer("W", w)
                .AddInitializer("R", rr)
                .AddInitializer("B", bias)
                .AddNode("GRU", ["x", "W", "R", "B"], ["Y", "Y_h"], AttributeValue.Of("hidden_size", (long)H),
                    AttributeValue.Of("direction", direction), AttributeValue.Of("linear_before_reset", linearBeforeReset ? 1L : 0L))
                .AddOutput("Y_h", DataType.Float32, 1, B, H);
            var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
            return (session, session.Run(input));
        }

        var (sf, af) = Build("forward", xr);
        var (sr, ar) = Build("reverse", x);
        using (sf)
        using (sr)
        {
            string hid = af.Plan.Steps[0].Auxiliary.Single(n => n.EndsWith("#hidden", StringComparison.Ordinal));
            for (int f = 0; f < B * H; f++)
            {
                var rf = new Backtracker().Backtrack(af, StartPoint.Neuron("Y_h", f));
                var rv = new Backtracker().Backtrack(ar, StartPoint.Neuron("Y_h", f));
                AgreementTests.AssertSame(new ReferenceBacktracker(af).Run("Y_h", f, FixationOptions.Default), rf, $"forward Y_h {f}");
                Assert.Equal(rf[hid]!.AllCoordinates().Select(c => (T - 1 - c[0], c[2], c[3])).Order(), rv[hid]!.AllCoordinates().Select(c => (c[0], c[2], c[3])).Order());
                Assert.Equal(rf["x"]!.AllCoordinates().Select(c => (T - 1 - c[0], c[1], c[2])).Order(), rv["x"]!.AllCoordinates().Select(c => (c[0], c[1], c[2])).Order());
            }
        }
    }

    /// <summary>
    /// The same GRU in layout 0 ([T,B,I]) and layout 1 ([B,T,I], opset 14) with sequence_lens [3, 2] gives the same
    /// fixations; a point on Y past a row's length reaches nothing.
    /// </summary>
    [Fact]
    public void LayoutsAgreeAndPaddedStepsAreDropped()
    {
        var rand = Rng(9);
        var w = rand([1, 9, 2], -0.5f, 0.5f);
        var r = rand([1, 9, 3], -0.5f, 0.5f);
        var x = rand([3, 2, 2], -0.5f, 0.5f); // [T,B,I]
        RecurrentGraphs.AssertLayoutsAgreeAndPaddedStepsAreDropped("GRU", w, r, x);
    }

    [Fact]
    public void NonDefaultActivationsAreANamedError()
    {
        var rand = Rng(1);
        var b = new OnnxModelBuilder("gru").Opset(13)
            .AddInput("x", DataType.Float32, 2, 1, 3)
            .AddInitializer("W", rand([1, 6, 3], -0.5f, 0.5f))
            .AddInitializer("R", rand([1, 6, 2], -0.5f, 0.5f))
            .AddNode("GRU", ["x", "W", "R"], ["Y"], AttributeValue.Of("hidden_size", 2L), AttributeValue.Of("activations", new[] { "Sigmoid", "Relu" }))
            .AddOutput("Y", DataType.Float32, 2, 1, 1, 2);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(rand([2, 1, 3], -0.5f, 0.5f));
        var e = Assert.Throws<FixationException>(() => new Backtracker().Backtrack(store, StartPoint.Neuron("Y", 0)));
        Assert.Contains("GRU", e.Message);
        Assert.Contains("activations", e.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double v) => 0;
    }
}
