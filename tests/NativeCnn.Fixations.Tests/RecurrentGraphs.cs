using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using Xunit;

namespace NativeCnn.Fixations.Tests;

/// <summary>The graphs and checks the LSTM and GRU rule tests share: the CNN + RNN captioner and the two-layout model.</summary>
internal static class RecurrentGraphs
{
    public const int Steps = 4, Embed = 5, Hidden = 6, Vocab = 7;

    // The hot region of the captioning image: rows 9..12, columns 3..6.
    public const int HotY = 9, HotX = 3, HotSize = 4, Side = 16;

    /// <summary>
    /// image [1,3,16,16] → conv 3×3 (positive weights) → relu → maxpool 2/2 → conv 3×3 (positive) → relu → GAP →
    /// flatten → Gemm (embedding [1,5]) → unsqueeze → concat with 3 constant word embeddings on the time axis →
    /// X [4,1,5] → <paramref name="op"/> (H = 6, <paramref name="gates"/> gates, with bias) → Y [4,1,1,6] → squeeze →
    /// [4,6] → MatMul → word logits [4,7]. Written with the project's ONNX writer and read back. The CNN's weights are
    /// all positive, so every channel peaks on the bright blob of the input and every path through the CNN ends inside it.
    /// </summary>
    public static ModelGraph Captioner(string name, string op, int gates, int seed, params AttributeValue[] extra)
    {
        var rng = new Random(seed);
        Tensor Rand(float lo, float hi, params int[] shape)
        {
            var t = Tensor.Create(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++)
            {
                s[i] = lo + (float)(rng.NextDouble() * (hi - lo));
            }

            return t;
        }

        var pads = AttributeValue.Of("pads", new long[] { 1, 1, 1, 1 });
        var b = new OnnxModelBuilder(name).Opset(13)
            .AddInput("image", DataType.Float32, 1, 3, Side, Side)
            .AddInitializer("w1", Rand(0.05f, 0.3f, 4, 3, 3, 3))
            .AddInitializer("w2", Rand(0.05f, 0.3f, 6, 4, 3, 3))
            .AddInitializer("e", Rand(-0.6f, 0.6f, Embed, 6))
            .AddInitializer("eb", Rand(-0.1f, 0.1f, Embed))
            .AddInitializer("words", Rand(-1f, 1f, Steps - 1, 1, Embed))
            .AddInitializer("W", Rand(-0.7f, 0.7f, 1, gates * Hidden, Embed))
            .AddInitializer("R", Rand(-0.5f, 0.5f, 1, gates * Hidden, Hidden))
            .AddInitializer("B", Rand(-0.2f, 0.2f, 1, 2 * gates * Hidden))
            .AddInitializer("V", Rand(-1f, 1f, Hidden, Vocab))
            .AddInitializer("ax0", Tensor.FromArray(new long[] { 0 }, 1))
            .AddInitializer("ax12", Tensor.FromArray(new long[] { 1, 2 }, 2))
            .AddNode("Conv", ["image", "w1"], ["c1"], pads)
            .AddNode("Relu", ["c1"], ["r1"])
            .AddNode("MaxPool", ["r1"], ["p1"], AttributeValue.Of("kernel_shape", new long[] { 2, 2 }), AttributeValue.Of("strides", new long[] { 2, 2 }))
            .AddNode("Conv", ["p1", "w2"], ["c2"], pads)
            .AddNode("Relu", ["c2"], ["r2"])
            .AddNode("GlobalAveragePool", ["r2"], ["gap"])
            .AddNode("Flatten", ["gap"], ["feat"])
            .AddNode("Gemm", ["feat", "e", "eb"], ["embedding"], AttributeValue.Of("transB", 1L))
            .AddNode("Unsqueeze", ["embedding", "ax0"], ["x0"])
            .AddNode("Concat", ["x0", "words"], ["X"], AttributeValue.Of("axis", 0L))
            .AddNode(op, ["X", "W", "R", "B"], ["Y", "Y_h"], [AttributeValue.Of("hidden_size", (long)Hidden), .. extra])
            .AddNode("Squeeze", ["Y", "ax12"], ["states"])
            .AddNode("MatMul", ["states", "V"], ["logits"])
            .AddOutput("logits", DataType.Float32, Steps, Vocab);
        return OnnxModel.Load(b.ToBytes(), null, name);
    }

    /// <summary>A dim background (0..0.1) with a bright blob (0.8..1) on every channel.</summary>
    public static Tensor Image(int seed)
    {
        var rng = new Random(seed);
        var t = Tensor.Create(DataType.Float32, [1, 3, Side, Side]);
        var s = t.AsSpan<float>();
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < Side; y++)
            {
                for (int x = 0; x < Side; x++)
                {
                    bool hot = y >= HotY && y < HotY + HotSize && x >= HotX && x < HotX + HotSize;
                    s[(((c * Side) + y) * Side) + x] = (float)(hot ? 0.8 + (0.2 * rng.NextDouble()) : 0.1 * rng.NextDouble());
                }
            }
        }

        return t;
    }

    /// <summary>
    /// Runs a captioner on <see cref="Image"/>(seed), traces the word chosen at the last step and checks that hidden-state
    /// fixations reach every step down to t = 0, then the image embedding (x_0), the CNN and only the hot region of the
    /// image, and that the result equals the plain-loop reference. Returns a line for the test output.
    /// </summary>
    public static string TraceChosenWord(ModelGraph graph, OpKind kind, int seed, string label)
    {
        using var session = new InferenceSession(graph);
        var store = session.Run(Image(seed));
        var logits = store["logits"].ToDoubleArray();
        int last = Steps - 1;
        int word = Enumerable.Range(0, Vocab).MaxBy(v => logits[(last * Vocab) + v]);
        var start = StartPoint.Neuron("logits", (last * Vocab) + word);
        var r = new Backtracker().Backtrack(store, start);

        // Through the time steps: hidden-state fixations at every step, down to t = 0.
        string hiddenAux = store.Plan.Steps.Single(s => s.Kind == kind).Auxiliary.Single(a => a.EndsWith("#hidden", StringComparison.Ordinal));
        var hidden = r[hiddenAux]!;
        Assert.Equal(Enumerable.Range(0, Steps), hidden.AllCoordinates().Select(c => c[0]).Distinct().Order());

        // The image embedding (x_0) is reached, then the CNN, then the image.
        Assert.Contains(r["X"]!.AllCoordinates(), c => c[0] == 0);
        Assert.NotNull(r["embedding"]);
        var points = r.InputPoints;
        Assert.NotEmpty(points);
        foreach (var p in points)
        {
            Assert.True(p.Y >= HotY && p.Y < HotY + HotSize && p.X >= HotX && p.X < HotX + HotSize, $"seed {seed}: point {p} outside the hot region");
        }

        var expected = new ReferenceBacktracker(store).Run(start.Value!, start.Index, FixationOptions.Default);
        AgreementTests.AssertSame(expected, r, label);
        return $"{label}: word {word}; {r.Values.Count} values; X {r["X"]!.Count}, hidden {hidden.Count}, " +
               $"embedding {r["embedding"]!.Count}, {points.Count} image points: {string.Join(" ", points)}";
    }

    /// <summary>
    /// The same recurrent node (<paramref name="op"/>, H = 3) in layout 0 ([T,B,I] = [3,2,2]) and layout 1 ([B,T,I],
    /// opset 14) with sequence_lens [3, 2] gives the same fixations (the auxiliary values are time-major in both); a
    /// point on Y past a row's length reaches nothing.
    /// </summary>
    public static void AssertLayoutsAgreeAndPaddedStepsAreDropped(string op, Tensor w, Tensor r, Tensor x)
    {
        var xt = Tensor.Create(DataType.Float32, [2, 3, 2]);
        for (int t = 0; t < 3; t++)
        {
            for (int b = 0; b < 2; b++)
            {
                for (int i = 0; i < 2; i++)
                {
                    xt.AsSpan<float>()[(((b * 3) + t) * 2) + i] = x.AsSpan<float>()[(((t * 2) + b) * 2) + i];
                }
            }
        }

        (InferenceSession, ActivationStore) Build(int layout, Tensor input)
        {
            var bld = new OnnxModelBuilder("rnn").Opset(14)
                .AddInput("x", DataType.Float32, input.Shape.Select(d => (long)d).ToArray())
                .AddInitializer("W", w)
                .AddInitializer("R", r)
                .AddInitializer("lens", Tensor.FromArray(new[] { 3, 2 }, 2))
                .AddNode(op, ["x", "W", "R", "", "lens"], ["Y", "Y_h"], AttributeValue.Of("hidden_size", 3L), AttributeValue.Of("layout", (long)layout))
                .AddOutput("Y", DataType.Float32, layout == 0 ? [3, 1, 2, 3] : [2, 3, 1, 3])
                .AddOutput("Y_h", DataType.Float32, layout == 0 ? [1, 2, 3] : [2, 1, 3]);
            var session = new InferenceSession(OnnxModel.Load(bld.ToBytes(), null));
            return (session, session.Run(input));
        }

        var (s0, a0) = Build(0, x);
        var (s1, a1) = Build(1, xt);
        using (s0)
        using (s1)
        {
            // Y_h of batch row 1 (length 2), unit 1: index 4 in both layouts ([1,2,3] and [2,1,3]).
            var r0 = new Backtracker().Backtrack(a0, StartPoint.Neuron("Y_h", 4));
            var r1 = new Backtracker().Backtrack(a1, StartPoint.Neuron("Y_h", 4));
            string hid = a0.Plan.Steps[0].Auxiliary.Single(n => n.EndsWith("#hidden", StringComparison.Ordinal));
            Assert.Equal(r0[hid]!.Indices, r1[hid]!.Indices);
            Assert.Contains(r0[hid]!.AllCoordinates(), c => c[0] == 1 && c[2] == 1 && c[3] == 1); // the last valid step is t = 1
            Assert.All(r0[hid]!.AllCoordinates(), c => Assert.True(c[0] < 2 && c[2] == 1));
            var x0 = r0["x"]!.AllCoordinates().Select(c => (c[0], c[1], c[2])).Order();
            var x1 = r1["x"]!.AllCoordinates().Select(c => (c[1], c[0], c[2])).Order();
            Assert.Equal(x0, x1);

            // Y[t = 2, b = 1] is padding (length 2): nothing is reached.
            var pad = new Backtracker().Backtrack(a0, StartPoint.Neuron("Y", (((2 * 1) + 0) * 2 + 1) * 3));
            Assert.Null(pad["x"]);
        }
    }
}
