using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Tests;

namespace NativeCnn.Runtime.Tests;

/// <summary>Builds and runs one-node recurrent graphs: X is fed at run time, everything else is an initializer.</summary>
internal static class RnnGraph
{
    /// <summary>float32 vs the double-precision scalar model: a few ULP of float over sums of ≤ 10 terms of size ≤ 3.</summary>
    public const double Tolerance = 2e-6;

    public static ModelGraph Build(string op, (string Name, Tensor? Value)[] inputs, string[] outputs, params AttributeValue[] attributes)
    {
        var node = new Node { OpType = op, Name = op.ToLowerInvariant() };
        var g = new ModelGraph { Nodes = { node } };
        g.OpsetVersions[""] = 22;
        foreach (var (name, value) in inputs)
        {
            node.Inputs.Add(name);
            if (name.Length == 0)
            {
                continue;
            }

            if (name == "X")
            {
                g.Inputs.Add(new ValueInfo { Name = "X", DataType = DataType.Float32 });
            }
            else
            {
                g.Initializers[name] = value!;
            }
        }

        foreach (var o in outputs)
        {
            node.Outputs.Add(o);
            if (o.Length > 0)
            {
                g.Outputs.Add(new ValueInfo { Name = o });
            }
        }

        foreach (var a in attributes)
        {
            node.SetAttribute(a);
        }

        return g;
    }

    public static float[] Random(Random rng, int n, double scale = 1.0) =>
        Enumerable.Range(0, n).Select(_ => (float)(((rng.NextDouble() * 2) - 1) * scale)).ToArray();

    public static void Close(double[] expected, TensorView actual, string what)
    {
        var a = actual.ToDoubleArray();
        Assert.True(expected.Length == a.Length, $"{what}: {a.Length} elements, expected {expected.Length}");
        for (int i = 0; i < a.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - a[i]) <= Tolerance, $"{what}[{i}]: got {a[i]}, expected {expected[i]}");
        }
    }

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}

public class LstmTests
{
    private static AttributeValue Str(string name, string v) => new() { Name = name, Kind = AttributeKind.String, String = v };

    private static AttributeValue Int(string name, long v) => new() { Name = name, Kind = AttributeKind.Int, Int = v };

    /// <summary>
    /// An independent double-precision LSTM written from the ONNX equations, one scalar at a time. Layout 0; arrays
    /// dense in ONNX order. Returns Y [T,D,B,H], Y_h and Y_c [D,B,H], gates [T,D,B,4H] (i,o,f,c), cell and hidden [T,D,B,H].
    /// </summary>
    private static (double[] Y, double[] Yh, double[] Yc, double[] Gates, double[] Cell, double[] Hidden) Scalar(
        int T, int B, int I, int H, int D, bool reverseOnly, float[] x, float[] w, float[] r, float[]? bias, int[]? lens,
        float[]? h0, float[]? c0, float[]? p, Func<double, double> f, Func<double, double> g, Func<double, double> hf,
        bool inputForget = false, double clip = double.PositiveInfinity)
    {
        var y = new double[T * D * B * H];
        var yh = new double[D * B * H];
        var yc = new double[D * B * H];
        var gates = new double[T * D * B * 4 * H];
        var cell = new double[T * D * B * H];
        var hidden = new double[T * D * B * H];
        double Cl(double v) => Math.Clamp(v, -clip, clip);

        for (int d = 0; d < D; d++)
        {
            bool rev = reverseOnly || d == 1;
            for (int b = 0; b < B; b++)
            {
                var hs = new double[H];
                var cs = new double[H];
                for (int j = 0; j < H; j++)
                {
                    hs[j] = h0 is null ? 0 : h0[(((d * B) + b) * H) + j];
                    cs[j] = c0 is null ? 0 : c0[(((d * B) + b) * H) + j];
                }

                int len = lens?[b] ?? T;
                for (int step = 0; step < len; step++)
                {
                    int t = rev ? len - 1 - step : step;

                    // gate k (0=i,1=o,2=f,3=c) of unit j before activation, without peephole
                    double Sum(int k, int j)
                    {
                        int row = (k * H) + j;
                        double s = bias is null ? 0 : bias[(d * 8 * H) + row] + bias[(d * 8 * H) + (4 * H) + row];
                        for (int i = 0; i < I; i++)
                        {
                            s += w[(((d * 4 * H) + row) * I) + i] * (double)x[(((t * B) + b) * I) + i];
                        }

                        for (int m = 0; m < H; m++)
                        {
                            s += r[(((d * 4 * H) + row) * H) + m] * hs[m];
                        }

                        return s;
                    }

                    double P(int k, int j) => p is null ? 0 : p[(d * 3 * H) + (k * H) + j]; // k: 0=i,1=o,2=f

                    var ig = new double[H];
                    var og = new double[H];
                    var fg = new double[H];
                    var cg = new double[H];
                    var cNew = new double[H];
                    var hNew = new double[H];
                    for (int j = 0; j < H; j++)
                    {
                        ig[j] = f(Cl(Sum(0, j) + (P(0, j) * cs[j])));
                        fg[j] = inputForget ? 1 - ig[j] : f(Cl(Sum(2, j) + (P(2, j) * cs[j])));
                        cg[j] = g(Cl(Sum(3, j)));
                        cNew[j] = (fg[j] * cs[j]) + (ig[j] * cg[j]);
                        og[j] = f(Cl(Sum(1, j) + (P(1, j) * cNew[j])));
                        hNew[j] = og[j] * hf(cNew[j]);
                    }

                    for (int j = 0; j < H; j++)
                    {
                        int o = (((((t * D) + d) * B) + b) * H) + j;
                        y[o] = hidden[o] = hNew[j];
                        cell[o] = cNew[j];
                        int go = (((((t * D) + d) * B) + b) * 4 * H) + j;
                        gates[go] = ig[j];
                        gates[go + H] = og[j];
                        gates[go + (2 * H)] = fg[j];
                        gates[go + (3 * H)] = cg[j];
                    }

                    hs = hNew;
                    cs = cNew;
                }

                for (int j = 0; j < H; j++)
                {
                    yh[(((d * B) + b) * H) + j] = hs[j];
                    yc[(((d * B) + b) * H) + j] = cs[j];
                }
            }
        }

        return (y, yh, yc, gates, cell, hidden);
    }

    [Fact]
    public void OneStepWithOnlyTheCellWeightMatchesTheFormulaByHand()
    {
        // I = H = 1, T = B = 1, x = 2; W = [i,o,f,c] = [0,0,0,0.5]; R = B = 0, so i = o = f = σ(0) = ½,
        // c~ = tanh(0.5·2) = tanh 1, c = ½·0 + ½·tanh 1, h = ½·tanh(c).
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.FromArray(new float[] { 0, 0, 0, 0.5f }, 1, 4, 1)), ("R", Tensor.FromArray(new float[4], 1, 4, 1))],
            ["Y", "Y_h", "Y_c"], Int("hidden_size", 1));
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(new float[] { 2 }, 1, 1, 1));
        double c = 0.5 * Math.Tanh(1);
        double h = 0.5 * Math.Tanh(c);
        Assert.Equal(c, store["Y_c"].ToDoubleArray()[0], 6);
        Assert.Equal(h, store["Y_h"].ToDoubleArray()[0], 6);
        Assert.Equal(h, store["Y"].ToDoubleArray()[0], 6);
        Assert.Equal(new[] { 0.5, 0.5, 0.5, Math.Tanh(1) }, store["Y#gates"].ToDoubleArray().Select(v => Math.Round(v, 6)).ToArray(),
            new RoundedComparer());
        Assert.Equal(c, store["Y#cell"].ToDoubleArray()[0], 6);
        Assert.Equal(new[] { 0.0, 0.0, 0.0, 1.0 }, store["Y#preact"].ToDoubleArray());
    }

    private sealed class RoundedComparer : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-6;

        public int GetHashCode(double v) => 0;
    }

    [Theory]
    [InlineData("forward", 2, 1, 1, 1)]
    [InlineData("forward", 2, 2, 3, 2)]
    [InlineData("reverse", 3, 2, 2, 2)]
    [InlineData("bidirectional", 2, 2, 3, 2)]
    [InlineData("bidirectional", 3, 3, 1, 1)]
    public void MatchesTheScalarModelWithEveryOptionalInput(string direction, int T, int B, int I, int H)
    {
        int D = direction == "bidirectional" ? 2 : 1;
        var rng = new Random(1234 + (T * 100) + (B * 10) + H);
        var x = RnnGraph.Random(rng, T * B * I, 2);
        var w = RnnGraph.Random(rng, D * 4 * H * I);
        var r = RnnGraph.Random(rng, D * 4 * H * H);
        var bias = RnnGraph.Random(rng, D * 8 * H, 0.5);
        var h0 = RnnGraph.Random(rng, D * B * H);
        var c0 = RnnGraph.Random(rng, D * B * H);
        var p = RnnGraph.Random(rng, D * 3 * H);
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.FromArray(w, D, 4 * H, I)), ("R", Tensor.FromArray(r, D, 4 * H, H)), ("B", Tensor.FromArray(bias, D, 8 * H)),
             ("", null), ("h0", Tensor.FromArray(h0, D, B, H)), ("c0", Tensor.FromArray(c0, D, B, H)), ("P", Tensor.FromArray(p, D, 3 * H))],
            ["Y", "Y_h", "Y_c"], Int("hidden_size", H), Str("direction", direction));
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(x, T, B, I));
        var e = Scalar(T, B, I, H, D, direction == "reverse", x, w, r, bias, null, h0, c0, p, RnnGraph.Sigmoid, Math.Tanh, Math.Tanh);
        RnnGraph.Close(e.Y, store["Y"], "Y");
        RnnGraph.Close(e.Yh, store["Y_h"], "Y_h");
        RnnGraph.Close(e.Yc, store["Y_c"], "Y_c");
        RnnGraph.Close(e.Gates, store["Y#gates"], "gates");
        RnnGraph.Close(e.Cell, store["Y#cell"], "cell");
        RnnGraph.Close(e.Hidden, store["Y#hidden"], "hidden");
    }

    [Fact]
    public void SequenceLengthsStopTheStateAndZeroTheRestBothWays()
    {
        const int T = 3, B = 3, I = 2, H = 2, D = 2;
        var rng = new Random(77);
        var x = RnnGraph.Random(rng, T * B * I, 2);
        var w = RnnGraph.Random(rng, D * 4 * H * I);
        var r = RnnGraph.Random(rng, D * 4 * H * H);
        var bias = RnnGraph.Random(rng, D * 8 * H, 0.5);
        int[] lens = [3, 1, 2];
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.FromArray(w, D, 4 * H, I)), ("R", Tensor.FromArray(r, D, 4 * H, H)), ("B", Tensor.FromArray(bias, D, 8 * H)),
             ("lens", Tensor.FromArray(lens, B))],
            ["Y", "Y_h", "Y_c"], Int("hidden_size", H), Str("direction", "bidirectional"));
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(x, T, B, I));
        var e = Scalar(T, B, I, H, D, false, x, w, r, bias, lens, null, null, null, RnnGraph.Sigmoid, Math.Tanh, Math.Tanh);
        RnnGraph.Close(e.Y, store["Y"], "Y");
        RnnGraph.Close(e.Yh, store["Y_h"], "Y_h");
        RnnGraph.Close(e.Yc, store["Y_c"], "Y_c");
        RnnGraph.Close(e.Gates, store["Y#gates"], "gates");
        RnnGraph.Close(e.Hidden, store["Y#hidden"], "hidden");

        // Batch row 1 has length 1: Y[t ≥ 1, d, 1, :] is zero, and its reverse Y_h is the state after t = 0.
        var y = store["Y"];
        for (int t = 1; t < T; t++)
        {
            for (int d = 0; d < D; d++)
            {
                for (int j = 0; j < H; j++)
                {
                    Assert.Equal(0f, y.At<float>([t, d, 1, j]));
                }
            }
        }

        Assert.Equal(y.At<float>([0, 1, 1, 0]), store["Y_h"].At<float>([1, 1, 0]));
        Assert.Equal(y.At<float>([0, 0, 1, 1]), store["Y_h"].At<float>([0, 1, 1]));
    }

    [Fact]
    public void ActivationListsClipAndInputForgetFollowTheSpec()
    {
        const int T = 2, B = 1, I = 2, H = 2;
        var rng = new Random(5);
        var x = RnnGraph.Random(rng, T * B * I, 3);
        var w = RnnGraph.Random(rng, 4 * H * I, 2);
        var r = RnnGraph.Random(rng, 4 * H * H, 2);
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.FromArray(w, 1, 4 * H, I)), ("R", Tensor.FromArray(r, 1, 4 * H, H))],
            ["", "Y_h", "Y_c"], Int("hidden_size", H), Int("input_forget", 1),
            new AttributeValue { Name = "clip", Kind = AttributeKind.Float, Float = 1.5f },
            new AttributeValue { Name = "activations", Kind = AttributeKind.Strings, Strings = ["HardSigmoid", "LeakyRelu", "ScaledTanh"] },
            new AttributeValue { Name = "activation_alpha", Kind = AttributeKind.Floats, Floats = [0.3f, 0.1f, 2f] },
            new AttributeValue { Name = "activation_beta", Kind = AttributeKind.Floats, Floats = [0.4f, 0.5f] });
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(x, T, B, I));
        var e = Scalar(T, B, I, H, 1, false, x, w, r, null, null, null, null, null,
            v => Math.Clamp((0.3 * v) + 0.4, 0, 1), v => v >= 0 ? v : 0.1 * v, v => 2 * Math.Tanh(0.5 * v), inputForget: true, clip: 1.5);
        RnnGraph.Close(e.Yh, store["Y_h"], "Y_h");
        RnnGraph.Close(e.Yc, store["Y_c"], "Y_c");

        // Y is absent: the auxiliary values are named after the first present output and still hold h_t.
        RnnGraph.Close(e.Hidden, store["Y_h#hidden"], "hidden");
        RnnGraph.Close(e.Gates, store["Y_h#gates"], "gates");
        Assert.False(store.Contains("Y"));
    }

    [Fact]
    public void BatchMajorLayoutIsTheTransposeOfTimeMajor()
    {
        const int T = 3, B = 2, I = 2, H = 2, D = 2;
        var rng = new Random(9);
        var xt = RnnGraph.Random(rng, T * B * I, 2); // [T,B,I]
        var w = Tensor.FromArray(RnnGraph.Random(rng, D * 4 * H * I), D, 4 * H, I);
        var r = Tensor.FromArray(RnnGraph.Random(rng, D * 4 * H * H), D, 4 * H, H);
        var h0 = RnnGraph.Random(rng, D * B * H); // [D,B,H]
        var h0b = new float[h0.Length];           // [B,D,H]
        var xb = new float[xt.Length];            // [B,T,I]
        for (int d = 0; d < D; d++)
        {
            for (int b = 0; b < B; b++)
            {
                for (int j = 0; j < H; j++)
                {
                    h0b[(((b * D) + d) * H) + j] = h0[(((d * B) + b) * H) + j];
                }
            }
        }

        for (int t = 0; t < T; t++)
        {
            for (int b = 0; b < B; b++)
            {
                for (int i = 0; i < I; i++)
                {
                    xb[(((b * T) + t) * I) + i] = xt[(((t * B) + b) * I) + i];
                }
            }
        }

        ActivationStore RunLayout(int layout, float[] x, int[] xShape, float[] h, int[] hShape, InferenceSession s) =>
            s.Run([new("X", Tensor.FromArray(x, xShape))]);

        var g0 = RnnGraph.Build("LSTM", [("X", null), ("W", w), ("R", r), ("", null), ("", null), ("h0", Tensor.FromArray(h0, D, B, H))],
            ["Y", "Y_h"], Int("hidden_size", H), Str("direction", "bidirectional"));
        var g1 = RnnGraph.Build("LSTM", [("X", null), ("W", w), ("R", r), ("", null), ("", null), ("h0", Tensor.FromArray(h0b, B, D, H))],
            ["Y", "Y_h"], Int("hidden_size", H), Str("direction", "bidirectional"), Int("layout", 1));
        using var s0 = new InferenceSession(g0);
        using var s1 = new InferenceSession(g1);
        var a = RunLayout(0, xt, [T, B, I], h0, [D, B, H], s0);
        var c = RunLayout(1, xb, [B, T, I], h0b, [B, D, H], s1);
        Assert.Equal([B, T, D, H], c["Y"].Shape);
        Assert.Equal([B, D, H], c["Y_h"].Shape);
        for (int t = 0; t < T; t++)
        {
            for (int d = 0; d < D; d++)
            {
                for (int b = 0; b < B; b++)
                {
                    for (int j = 0; j < H; j++)
                    {
                        Assert.Equal(a["Y"].At<float>([t, d, b, j]), c["Y"].At<float>([b, t, d, j]));
                        Assert.Equal(a["Y_h"].At<float>([d, b, j]), c["Y_h"].At<float>([b, d, j]));
                    }
                }
            }
        }

        // The auxiliary values are time-major in both layouts.
        Assert.Equal(a["Y#hidden"].ToDoubleArray(), c["Y#hidden"].ToDoubleArray());
    }

    [Fact]
    public void SteadyStateRunsAllocateNothing()
    {
        const int T = 4, B = 2, I = 3, H = 5, D = 2;
        var rng = new Random(3);
        var lstm = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.FromArray(RnnGraph.Random(rng, D * 4 * H * I), D, 4 * H, I)),
             ("R", Tensor.FromArray(RnnGraph.Random(rng, D * 4 * H * H), D, 4 * H, H)), ("B", Tensor.FromArray(RnnGraph.Random(rng, D * 8 * H), D, 8 * H)),
             ("lens", Tensor.FromArray(new[] { 4, 2 }, B))],
            ["Y", "Y_h", "Y_c"], Str("direction", "bidirectional"));
        var gru = RnnGraph.Build("GRU",
            [("X", null), ("W", Tensor.FromArray(RnnGraph.Random(rng, 3 * H * I), 1, 3 * H, I)), ("R", Tensor.FromArray(RnnGraph.Random(rng, 3 * H * H), 1, 3 * H, H))],
            ["Y", "Y_h"]);
        foreach (var g in new[] { lstm, gru })
        {
            using var s = new InferenceSession(g, new Planning.PlanOptions { Profile = false });
            s.Run(Tensor.FromArray(RnnGraph.Random(rng, T * B * I), T, B, I));
            s.RunInPlace();
            long before = GC.GetAllocatedBytesForCurrentThread();
            s.RunInPlace();
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void WrongWeightShapeIsANamedModelError()
    {
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.Create(DataType.Float32, [1, 8, 3])), ("R", Tensor.Create(DataType.Float32, [1, 8, 3]))],
            ["Y"], Int("hidden_size", 2));
        using var s = new InferenceSession(g);
        var ex = Assert.Throws<InvalidModelException>(() => s.Run(Tensor.Create(DataType.Float32, [2, 1, 3])));
        Assert.Contains("R must be [1,8,2]", ex.Message);
        Assert.Contains("lstm", ex.Message);
    }

    [Fact]
    public void UnknownActivationIsUnsupported()
    {
        var g = RnnGraph.Build("LSTM",
            [("X", null), ("W", Tensor.Create(DataType.Float32, [1, 4, 1])), ("R", Tensor.Create(DataType.Float32, [1, 4, 1]))],
            ["Y"], new AttributeValue { Name = "activations", Kind = AttributeKind.Strings, Strings = ["Sigmoid", "Gelu", "Tanh"] });
        using var s = new InferenceSession(g);
        Assert.Throws<UnsupportedOperatorException>(() => s.Run(Tensor.Create(DataType.Float32, [1, 1, 1])));
    }
}

/// <summary>The real two-layer character LSTM (shared assets): Gather → LSTM → LSTM → MatMul + Add.</summary>
public class CharRnnModelTests
{
    /// <summary>39 recurrent float32 steps and a 128-term MatMul summed in another order than the exporter's runtime.</summary>
    private const double Atol = 1e-4;
    private const double Rtol = 1e-5;

    private static string Dir => TestAssets.Path("models", "charrnn-shakespeare-lstm");

    private static List<KeyValuePair<string, Tensor>> Inputs() =>
        Directory.GetFiles(Path.Combine(Dir, "test_data_set_0"), "input_*.pb").Order(StringComparer.Ordinal)
            .Select(OnnxTensor.Read).Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Tensor)).ToList();

    [Fact]
    public void LogitsMatchTheTestDataSetAndAuxiliaryStatesAgreeWithOutputs()
    {
        var g = OnnxModel.Load(Path.Combine(Dir, "charrnn_shakespeare.onnx"));
        var (_, expected) = OnnxTensor.Read(Path.Combine(Dir, "test_data_set_0", "output_0.pb"));
        using var s = new InferenceSession(g);
        var store = s.Run(Inputs());
        var a = store["logits"].ToDoubleArray();
        var e = expected.ToDoubleArray();
        Assert.Equal(e.Length, a.Length);
        for (int i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(a[i] - e[i]) <= Atol + (Rtol * Math.Abs(e[i])), $"logits[{i / 65},{i % 65}]: got {a[i]}, expected {e[i]}");
        }

        // The kept per-step states end where the outputs Y_h, Y_c end: [T,1,1,128] at t = T−1 vs [1,1,128].
        foreach (var (layer, y) in new[] { (0, "Y0"), (1, "Y1") })
        {
            var hidden = store[$"{y}#hidden"];
            var cell = store[$"{y}#cell"];
            int last = hidden.Shape[0] - 1;
            Assert.Equal(store[$"h_{layer}"].ToDoubleArray(), hidden.Select(0, last).ToDoubleArray());
            Assert.Equal(store[$"c_{layer}"].ToDoubleArray(), cell.Select(0, last).ToDoubleArray());
            Assert.Equal(store[y].ToDoubleArray(), hidden.ToDoubleArray());
        }
    }

    [Fact]
    public void GreedyDecodingReproducesTheSample()
    {
        // greedy_sample.txt = the test input's prompt followed by greedy continuation; the network is causal, so one
        // run over the whole text must predict every character after the prompt from the characters before it.
        var vocab = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(Path.Combine(Dir, "vocab.json")))!;
        string text = File.ReadAllText(Path.Combine(Dir, "greedy_sample.txt"));
        var inputs = Inputs();
        int prompt = inputs[0].Value.Shape[0];
        var chars = text.Select(ch => (long)vocab[ch.ToString()]).ToArray();
        Assert.Equal(inputs[0].Value.ToInt64Array(), chars[..prompt]);
        inputs[0] = new(inputs[0].Key, Tensor.FromArray(chars, chars.Length));

        var g = OnnxModel.Load(Path.Combine(Dir, "charrnn_shakespeare.onnx"));
        using var s = new InferenceSession(g);
        var logits = s.Run(inputs)["logits"];
        for (int k = prompt - 1; k < chars.Length - 1; k++)
        {
            var row = logits.Select(0, k).ToDoubleArray();
            int best = Array.IndexOf(row, row.Max());
            Assert.True(best == chars[k + 1], $"position {k}: predicted {best}, the sample continues with {chars[k + 1]} ('{text[k + 1]}')");
        }
    }
}
