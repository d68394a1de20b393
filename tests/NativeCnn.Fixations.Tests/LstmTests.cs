using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

/// <summary>The LSTM rule: a hand-sized cell with a known answer, and a CNN + LSTM captioning-style graph.</summary>
public sealed class LstmTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void TheChosenWordIsTracedThroughTheStepsToTheImage(int seed) =>
        output.WriteLine(RecurrentGraphs.TraceChosenWord(RecurrentGraphs.Captioner("captioner", "LSTM", 4, seed), OpKind.LSTM, seed, $"captioner seed {seed}"));

    /// <summary>
    /// One unit, two steps, hand-set weights (gate rows i, o, f, c). Only the candidate gate reads x: at t = 1 it sees
    /// x_1 = [1, 1] through weights [+1, −1], so only x_1[0] contributes positively; the recurrent weight of the
    /// candidate gate is +1 and h_0 &gt; 0, so the path goes on to t = 0 and the cell carries too.
    /// </summary>
    [Fact]
    public void HandSizedCellKeepsThePositiveContributions()
    {
        var w = Tensor.FromArray(new float[] { 0, 0, 0, 0, 0, 0, 1, -1 }, 1, 4, 2);
        var rr = Tensor.FromArray(new float[] { 0, 0, 0, 1 }, 1, 4, 1);
        var b = new OnnxModelBuilder("cell").Opset(13)
            .AddInput("x", DataType.Float32, 2, 1, 2)
            .AddInitializer("W", w)
            .AddInitializer("R", rr)
            .AddNode("LSTM", ["x", "W", "R"], ["Y"], AttributeValue.Of("hidden_size", 1L))
            .AddOutput("Y", DataType.Float32, 2, 1, 1, 1);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(Tensor.FromArray(new float[] { 2, -3, 1, 1 }, 2, 1, 2));
        var r = new Backtracker().Backtrack(store, StartPoint.Neuron("Y", 1));
        // t = 1: x_1[0] (index 2) only; t = 0: the candidate gate reads x_0 = [2, −3] through [+1, −1], and both
        // contribute positively (2·1 > 0, −3·−1 > 0).
        Assert.Equal([0L, 1, 2], r["x"]!.Indices);
        var aux = store.Plan.Steps[0].Auxiliary;
        Assert.Equal([0L, 1], r[aux.Single(a => a.EndsWith("#hidden", StringComparison.Ordinal))]!.Indices);
        Assert.Equal([0L], r[aux.Single(a => a.EndsWith("#cell", StringComparison.Ordinal))]!.Indices);
        AgreementTests.AssertSame(new ReferenceBacktracker(store).Run("Y", 1, FixationOptions.Default), r, "hand cell");
    }

    [Theory]
    [InlineData("reverse")]
    [InlineData("bidirectional")]
    public void ReverseAndBidirectionalReachEveryStep(string direction)
    {
        int dirs = direction == "bidirectional" ? 2 : 1;
        var rng = new Random(5);
        Tensor Rand(params int[] shape) => Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), shape);
        var b = new OnnxModelBuilder("rnn").Opset(13)
            .AddInput("x", DataType.Float32, 5, 2, 3)
            .AddInitializer("W", Rand(dirs, 16, 3))
            .AddInitializer("R", Rand(dirs, 16, 4))
            .AddNode("LSTM", ["x", "W", "R"], ["Y", "Y_h"], AttributeValue.Of("hidden_size", 4L), AttributeValue.Of("direction", direction))
            .AddOutput("Y_h", DataType.Float32, dirs, 2, 4);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var x = Tensor.FromArray(Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i + 1)).ToArray(), 5, 2, 3);
        var store = session.Run(x);
        // Y_h of the reverse direction (d = dirs − 1), batch 1, unit 2: its last step is t = 0.
        var r = new Backtracker().Backtrack(store, StartPoint.Neuron("Y_h", ((dirs - 1) * 8) + 4 + 2));
        string hiddenAux = store.Plan.Steps[0].Auxiliary.Single(a => a.EndsWith("#hidden", StringComparison.Ordinal));
        var hidden = r[hiddenAux]!.AllCoordinates().ToList();
        Assert.All(hidden, c => Assert.Equal((dirs - 1, 1), (c[1], c[2])));
        Assert.Contains(hidden, c => c[0] == 0 && c[3] == 2);
        // The chain runs from t = 0 (the last reverse step) towards t = 4; X gets fixations of batch row 1 only, at
        // steps where a unit was fixated.
        Assert.Contains(hidden, c => c[0] > 0);
        var xs = r["x"]!.AllCoordinates().ToList();
        Assert.NotEmpty(xs);
        Assert.All(xs, c => Assert.Equal(1, c[1]));
        string cellAux = store.Plan.Steps[0].Auxiliary.Single(a => a.EndsWith("#cell", StringComparison.Ordinal));
        var units = hidden.Concat(r[cellAux]?.AllCoordinates() ?? []).ToList();
        Assert.All(xs, c => Assert.Contains(units, h => h[0] == c[0]));
    }

    /// <summary>
    /// The same LSTM in layout 0 ([T,B,I]) and layout 1 ([B,T,I], opset 14) with sequence_lens [3, 2] gives the same
    /// fixations (the auxiliary values are time-major in both); a point on Y past a row's length reaches nothing.
    /// </summary>
    [Fact]
    public void LayoutsAgreeAndPaddedStepsAreDropped()
    {
        var rng = new Random(9);
        Tensor Rand(params int[] shape) => Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), shape);
        var w = Rand(1, 12, 2);
        var r = Rand(1, 12, 3);
        var x = Rand(3, 2, 2); // [T,B,I]
        RecurrentGraphs.AssertLayoutsAgreeAndPaddedStepsAreDropped("LSTM", w, r, x);
    }

    [Fact]
    public void NonDefaultActivationsAreANamedError()
    {
        var rng = new Random(1);
        Tensor Rand(params int[] shape) => Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), shape);
        var b = new OnnxModelBuilder("rnn").Opset(13)
            .AddInput("x", DataType.Float32, 2, 1, 3)
            .AddInitializer("W", Rand(1, 8, 3))
            .AddInitializer("R", Rand(1, 8, 2))
            .AddNode("LSTM", ["x", "W", "R"], ["Y"], AttributeValue.Of("hidden_size", 2L),
                AttributeValue.Of("activations", new[] { "Sigmoid", "Relu", "Tanh" }))
            .AddOutput("Y", DataType.Float32, 2, 1, 1, 2);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(Rand(2, 1, 3));
        var e = Assert.Throws<FixationException>(() => new Backtracker().Backtrack(store, StartPoint.Neuron("Y", 0)));
        Assert.Contains("LSTM", e.Message);
        Assert.Contains("activations", e.Message);
    }
}
