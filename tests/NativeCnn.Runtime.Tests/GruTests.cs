using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Tests;

public class GruTests
{
    /// <summary>
    /// An independent double-precision GRU written from the ONNX equations, one scalar at a time. Layout 0; arrays
    /// dense in ONNX order. Returns Y [T,D,B,H], Y_h [D,B,H], gates [T,D,B,3H] (z,r,h~), hidden [T,D,B,H].
    /// </summary>
    private static (double[] Y, double[] Yh, double[] Gates, double[] Hidden) Scalar(
        int T, int B, int I, int H, int D, bool reverseOnly, bool linearBeforeReset, float[] x, float[] w, float[] r, float[]? bias,
        int[]? lens, float[]? h0, Func<double, double> f, Func<double, double> g)
    {
        var y = new double[T * D * B * H];
        var yh = new double[D * B * H];
        var gates = new double[T * D * B * 3 * H];
        for (int d = 0; d < D; d++)
        {
            bool rev = reverseOnly || d == 1;
            for (int b = 0; b < B; b++)
            {
                var hs = new double[H];
                for (int j = 0; j < H; j++)
                {
                    hs[j] = h0 is null ? 0 : h0[(((d * B) + b) * H) + j];
                }

                int len = lens?[b] ?? T;
                for (int step = 0; step < len; step++)
                {
                    int t = rev ? len - 1 - step : step;
                    double Wx(int k, int j)
                    {
                        int row = (k * H) + j;
                        double s = bias is null ? 0 : bias[(d * 6 * H) + row];
                        for (int i = 0; i < I; i++)
                        {
                            s += w[(((d * 3 * H) + row) * I) + i] * (double)x[(((t * B) + b) * I) + i];
                        }

                        return s;
                    }

                    double Rh(int k, int j, double[] state)
                    {
                        int row = (k * H) + j;
                        double s = bias is null ? 0 : bias[(d * 6 * H) + (3 * H) + row];
                        for (int m = 0; m < H; m++)
                        {
                            s += r[(((d * 3 * H) + row) * H) + m] * state[m];
                        }

                        return s;
                    }

                    var z = new double[H];
                    var rg = new double[H];
                    var hh = new double[H];
                    for (int j = 0; j < H; j++)
                    {
                        z[j] = f(Wx(0, j) + Rh(0, j, hs));
                        rg[j] = f(Wx(1, j) + Rh(1, j, hs));
                    }

                    var reset = hs.Select((v, m) => rg[m] * v).ToArray();
                    for (int j = 0; j < H; j++)
                    {
                        hh[j] = linearBeforeReset ? g(Wx(2, j) + (rg[j] * Rh(2, j, hs))) : g(Wx(2, j) + Rh(2, j, reset));
                    }

                    var hNew = new double[H];
                    for (int j = 0; j < H; j++)
                    {
                        hNew[j] = ((1 - z[j]) * hh[j]) + (z[j] * hs[j]);
                        y[(((((t * D) + d) * B) + b) * H) + j] = hNew[j];
                        int go = (((((t * D) + d) * B) + b) * 3 * H) + j;
                        gates[go] = z[j];
                        gates[go + H] = rg[j];
                        gates[go + (2 * H)] = hh[j];
                    }

                    hs = hNew;
                }

                for (int j = 0; j < H; j++)
                {
                    yh[(((d * B) + b) * H) + j] = hs[j];
                }
            }
        }

        return (y, yh, gates, (double[])y.Clone());
    }

    [Fact]
    public void OneStepByHand()
    {
        // I = H = 1, x = 1, W = [z,r,h] = [0,0,1], R = 0, h0 = 0.4: z = r = ½, h~ = tanh(1 + 0) (R·(r⊙h) = 0),
        // h = ½·tanh 1 + ½·0.4.
        var g = RnnGraph.Build("GRU",
            [("X", null), ("W", Tensor.FromArray(new float[] { 0, 0, 1 }, 1, 3, 1)), ("R", Tensor.FromArray(new float[3], 1, 3, 1)),
             ("", null), ("", null), ("h0", Tensor.FromArray(new float[] { 0.4f }, 1, 1, 1))],
            ["Y", "Y_h"], AttributeValue.Of("hidden_size", 1L));
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(new float[] { 1 }, 1, 1, 1));
        double h = (0.5 * Math.Tanh(1)) + 0.2;
        Assert.Equal(h, store["Y_h"].ToDoubleArray()[0], 6);
        Assert.Equal(h, store["Y#hidden"].ToDoubleArray()[0], 6);
        var gates = store["Y#gates"].ToDoubleArray();
        Assert.Equal(0.5, gates[0], 6);
        Assert.Equal(0.5, gates[1], 6);
        Assert.Equal(Math.Tanh(1), gates[2], 6);
    }

    [Theory]
    [InlineData("forward", 0, 2, 1, 1, 1)]
    [InlineData("forward", 0, 2, 2, 3, 2)]
    [InlineData("forward", 1, 2, 2, 3, 2)]
    [InlineData("reverse", 1, 3, 2, 2, 2)]
    [InlineData("bidirectional", 0, 2, 2, 3, 2)]
    [InlineData("bidirectional", 1, 3, 3, 1, 3)]
    public void MatchesTheScalarModel(string direction, int linearBeforeReset, int T, int B, int I, int H)
    {
        int D = direction == "bidirectional" ? 2 : 1;
        var rng = new Random(4321 + (T * 100) + (B * 10) + H + linearBeforeReset);
        var x = RnnGraph.Random(rng, T * B * I, 2);
        var w = RnnGraph.Random(rng, D * 3 * H * I);
        var r = RnnGraph.Random(rng, D * 3 * H * H);
        var bias = RnnGraph.Random(rng, D * 6 * H, 0.5);
        var h0 = RnnGraph.Random(rng, D * B * H);
        var g = RnnGraph.Build("GRU",
            [("X", null), ("W", Tensor.FromArray(w, D, 3 * H, I)), ("R", Tensor.FromArray(r, D, 3 * H, H)), ("B", Tensor.FromArray(bias, D, 6 * H)),
             ("", null), ("h0", Tensor.FromArray(h0, D, B, H))],
            ["Y", "Y_h"], AttributeValue.Of("hidden_size", (long)H), AttributeValue.Of("direction", direction),
            AttributeValue.Of("linear_before_reset", (long)linearBeforeReset));
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(x, T, B, I));
        var e = Scalar(T, B, I, H, D, direction == "reverse", linearBeforeReset != 0, x, w, r, bias, null, h0, RnnGraph.Sigmoid, Math.Tanh);
        RnnGraph.Close(e.Y, store["Y"], "Y");
        RnnGraph.Close(e.Yh, store["Y_h"], "Y_h");
        RnnGraph.Close(e.Gates, store["Y#gates"], "gates");
        RnnGraph.Close(e.Hidden, store["Y#hidden"], "hidden");
    }

    [Fact]
    public void SequenceLengthsBidirectionalWithOtherActivations()
    {
        const int T = 3, B = 3, I = 2, H = 2, D = 2;
        var rng = new Random(31);
        var x = RnnGraph.Random(rng, T * B * I, 2);
        var w = RnnGraph.Random(rng, D * 3 * H * I);
        var r = RnnGraph.Random(rng, D * 3 * H * H);
        int[] lens = [2, 3, 0];
        var g = RnnGraph.Build("GRU",
            [("X", null), ("W", Tensor.FromArray(w, D, 3 * H, I)), ("R", Tensor.FromArray(r, D, 3 * H, H)), ("", null), ("lens", Tensor.FromArray(lens, B))],
            ["", "Y_h"], AttributeValue.Of("direction", "bidirectional"),
            new AttributeValue { Name = "activations", Kind = AttributeKind.Strings, Strings = ["Sigmoid", "Softsign", "HardSigmoid", "Elu"] },
            new AttributeValue { Name = "activation_alpha", Kind = AttributeKind.Floats, Floats = [0.25f, 0.7f] });
        using var s = new InferenceSession(g);
        var store = s.Run(Tensor.FromArray(x, T, B, I));
        var e = Scalar(T, B, I, H, 1, false, false, x, w.AsSpan(0, 3 * H * I).ToArray(), r.AsSpan(0, 3 * H * H).ToArray(), null, lens, null,
            RnnGraph.Sigmoid, v => v / (1 + Math.Abs(v)));
        var eb = Scalar(T, B, I, H, 1, true, false, x, w.AsSpan(3 * H * I).ToArray(), r.AsSpan(3 * H * H).ToArray(), null, lens, null,
            v => Math.Clamp((0.25 * v) + 0.5, 0, 1), v => v >= 0 ? v : 0.7 * (Math.Exp(v) - 1));
        RnnGraph.Close([.. e.Yh, .. eb.Yh], store["Y_h"], "Y_h");
        var hidden = store["Y_h#hidden"];
        for (int t = 0; t < T; t++)
        {
            for (int b = 0; b < B; b++)
            {
                for (int j = 0; j < H; j++)
                {
                    Assert.Equal(e.Hidden[(((t * B) + b) * H) + j], hidden.At<float>([t, 0, b, j]), 5);
                    Assert.Equal(eb.Hidden[(((t * B) + b) * H) + j], hidden.At<float>([t, 1, b, j]), 5);
                }
            }
        }

        // Batch row 2 has length 0: no step runs, Y_h keeps the (zero) initial state and every auxiliary value is 0.
        Assert.Equal(0f, store["Y_h"].At<float>([0, 2, 0]));
        Assert.All(Enumerable.Range(0, T), t => Assert.Equal(0f, store["Y_h#gates"].At<float>([t, 1, 2, 0])));
    }
}
