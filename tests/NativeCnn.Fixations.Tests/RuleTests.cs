using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

public sealed class RuleTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryOpKindHasARuleOrADocumentedReason()
    {
        var missing = new List<OpKind>();
        foreach (var k in Enum.GetValues<OpKind>())
        {
            bool rule = FixationRules.Get(k) is not null, reason = FixationRules.NoRule.ContainsKey(k);
            Assert.False(rule && reason, $"{k} has both a rule and a no-rule reason");
            if (!rule && !(reason && FixationRules.NoRule[k].Length > 20))
            {
                missing.Add(k);
            }
        }

        Assert.True(missing.Count == 0, "op kinds without a fixation rule or a documented reason: " + string.Join(", ", missing));
    }

    /// <summary>
    /// Every op kind that can receive a fixation has a rule (the kinds without one are always-folded constants and
    /// shape metadata), so the loud error is checked on a variant a rule refuses: a GRU with a non-default activation.
    /// </summary>
    [Fact]
    public void AVariantWithoutARuleIsALoudNamedError()
    {
        var n = new Net(1, "input", 2, 1, 3);
        var y = n.Output(n.Node("GRU", [n.Input, n.Const(n.Random([1, 6, 3], 0.5f)), n.Const(n.Random([1, 6, 2], 0.5f))],
            AttributeValue.Of("hidden_size", 2L), AttributeValue.Of("activations", new[] { "HardSigmoid", "Tanh" })));
        var (session, store) = n.Run();
        using (session)
        {
            var e = Assert.Throws<FixationException>(() => new Backtracker().Backtrack(store, StartPoint.Neuron(y, 3)));
            Assert.Contains("GRU", e.Message);
            Assert.Contains("n_" + y, e.Message);
        }
    }

    /// <summary>One hot input pixel; every path of the backtrack must end on it.</summary>
    [Theory]
    [InlineData(ConvLocation.Anchor)]
    [InlineData(ConvLocation.ArgmaxInWindow)]
    public void ASingleHotPixelIsFound(ConvLocation location)
    {
        var n = new Net(3, "input", 1, 1, 9, 9);
        // conv1: channel 0 is a centred delta, channel 1 all zero; conv2 1×1 copies channel 0.
        var w1 = Tensor.Create(DataType.Float32, [2, 1, 3, 3]);
        w1.AsSpan<float>()[4] = 1;
        var x = n.MaxPool(n.Relu(n.Conv(n.Input, 1, 2, 3, bias: false, weight: w1)), 2, 2);
        var w2 = Tensor.FromArray(new float[] { 1, 0, 0.5f, 0.1f, 0, 1 }, 3, 2, 1, 1);
        x = n.Relu(n.Conv(x, 2, 3, 1, bias: false, weight: w2));
        n.Output(n.Gemm(n.Flatten(n.Gap(x)), 3, 4, weight: Tensor.FromArray(Enumerable.Repeat(1f, 12).ToArray(), 4, 3)));
        var input = Tensor.Create(DataType.Float32, [1, 1, 9, 9]);
        input.AsSpan<float>()[(5 * 9) + 2] = 3;
        var (session, store) = n.Run(input: input);
        using (session)
        {
            var r = new Backtracker(new FixationOptions { ConvLocation = location }).Backtrack(store);
            Assert.Equal([new InputPoint(5, 2)], r.InputPoints);
        }
    }

    /// <summary>y = x + conv1×1(x) where the conv swaps channels: following the skip stays on channel 0, following the branch lands on channel 1.</summary>
    [Theory]
    [InlineData(5f, 1f, 0)] // skip larger → skip
    [InlineData(1f, 5f, 1)] // branch larger → branch → conv picks channel 1
    [InlineData(2f, 2f, 0)] // tie → skip
    public void ResidualFollowsTheLargerInputTiesToTheSkip(float skip, float branchSource, int expectedChannel)
    {
        var n = new Net(1, "input", 1, 2, 3, 3);
        var swap = Tensor.FromArray(new float[] { 0, 1, 1, 0 }, 2, 2, 1, 1);
        var b = n.Conv(n.Input, 2, 2, 1, bias: false, weight: swap);
        // Branch written first (as exporters do): depth decides, not input order.
        n.Output(n.Add(b, n.Input));
        var input = Tensor.Create(DataType.Float32, [1, 2, 3, 3]);
        var s = input.AsSpan<float>();
        s[4] = skip;             // x[0,0,1,1]
        s[9 + 4] = branchSource; // x[0,1,1,1] = branch[0,0,1,1]
        var (session, store) = n.Run(input: input);
        using (session)
        {
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(n.Graph.Outputs[0].Name, 4));
            var fix = r[n.Input]!;
            Assert.Equal(1, fix.Count);
            Assert.Equal([0, expectedChannel, 1, 1], fix.Coordinates(0));
        }
    }

    [Fact]
    public void ConcatRoutesIntoTheRightBranch()
    {
        var n = new Net(5, "input", 1, 3, 5, 5);
        var a = n.Conv(n.Input, 3, 2, 1);
        // Branch b: output channel k reads only input channel k (identity-like 1×1 conv on 3 channels).
        var eye = Tensor.FromArray(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, 3, 3, 1, 1);
        var b = n.Conv(n.Input, 3, 3, 1, bias: false, weight: eye);
        var c = n.Output(n.Concat(a, b));
        var (session, store) = n.Run();
        using (session)
        {
            // Concat channel 3 = b's channel 1 → input channel 1, same place.
            long start = (3 * 25) + (2 * 5) + 4;
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(c, start));
            Assert.Equal([(1L * 25) + (2 * 5) + 4], r[b]!.Indices);
            Assert.Null(r[a]);
            Assert.Equal([0, 1, 2, 4], r[n.Input]!.Coordinates(0));
        }
    }

    /// <summary>Group 1's output channel must land in group 1's input channels (the reference code's bug returns the in-group index).</summary>
    [Fact]
    public void GroupedConvRoutesToTheRightGroup()
    {
        var n = new Net(5, "input", 1, 4, 3, 3);
        var w = Tensor.Create(DataType.Float32, [4, 2, 1, 1]);
        var ws = w.AsSpan<float>();
        ws[(3 * 2) + 0] = 0.1f; // co 3 ← ci 2
        ws[(3 * 2) + 1] = 1f;   // co 3 ← ci 3 (wins)
        var y = n.Output(n.Conv(n.Input, 4, 4, 1, group: 2, bias: false, weight: w));
        var input = Tensor.Create(DataType.Float32, [1, 4, 3, 3]);
        input.AsSpan<float>().Fill(1f);
        input.AsSpan<float>()[..9].Fill(100f); // channel 0 is huge but belongs to group 0
        var (session, store) = n.Run(input: input);
        using (session)
        {
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(y, (3 * 9) + 4));
            Assert.Equal([0, 3, 1, 1], r[n.Input]!.Coordinates(0));
        }
    }

    [Fact]
    public void StartPointsResolveAndUnknownOnesAreTypedErrors()
    {
        var net = Architectures.Vgg(4);
        var (session, store) = net.Run();
        using (session)
        {
            var bt = new Backtracker();
            string output = net.Graph.Outputs[0].Name;
            var scores = store[output].ToDoubleArray();
            int top = Array.IndexOf(scores, scores.Max());
            Assert.Equal(top, bt.Backtrack(store).Start.FlatIndex);
            var topK = bt.Backtrack(store, [StartPoint.TopK(4)]);
            Assert.Equal(4, topK.Count);
            Assert.True(topK.Zip(topK.Skip(1)).All(p => p.First.Start.Score >= p.Second.Start.Score));
            Assert.Equal(top, topK[0].Start.FlatIndex);
            Assert.Equal(7, bt.Backtrack(store, StartPoint.Class(7)).Start.FlatIndex);
            string mid = net.Graph.Nodes[3].Outputs[0];
            var r = bt.Backtrack(store, StartPoint.Neuron(mid, 5));
            Assert.Equal(mid, r.Values[0].Name);
            Assert.Throws<UnknownClassException>(() => bt.Backtrack(store, StartPoint.Class(10)));
            Assert.Throws<UnknownClassException>(() => bt.Backtrack(store, StartPoint.Class(-1)));
            Assert.Throws<UnknownClassException>(() => bt.Backtrack(store, StartPoint.Neuron(mid, store[mid].Length)));
            Assert.Throws<UnknownValueException>(() => bt.Backtrack(store, StartPoint.Neuron("nope", 0)));
            Assert.Throws<UnknownValueException>(() => bt.Backtrack(store, StartPoint.Class(0, "nope")));
        }
    }

    [Theory]
    [InlineData("vgg")]
    [InlineData("alexnet")]
    [InlineData("depthwise")]
    public void PropertiesHold(string arch)
    {
        var net = Architectures.Build(arch, 9);
        var (s1, store1) = net.Run(seed: 4, threads: 1);
        var (s2, store2) = net.Run(seed: 4, threads: 2);
        using (s1)
        using (s2)
        {
            var opts = AgreementTests.Alternative;
            var a = new Backtracker(opts).Backtrack(store1, [StartPoint.TopK(2)]);
            var b = new Backtracker(opts).Backtrack(store2, [StartPoint.TopK(2)]);
            var c = new Backtracker(opts).Backtrack(store1, [StartPoint.TopK(2)]);
            for (int k = 0; k < a.Count; k++)
            {
                Assert.Equal(a[k].Values.Select(v => v.Name), b[k].Values.Select(v => v.Name));
                foreach (var v in a[k].Values)
                {
                    Assert.Equal(v.Indices, b[k][v.Name]!.Indices);
                    Assert.Equal(v.Indices, c[k][v.Name]!.Indices);
                    // Sorted and unique.
                    Assert.True(v.Indices.Zip(v.Indices.Skip(1)).All(p => p.First < p.Second));
                }

                // Every input fixation of a conv/pool step lies inside the window of one of its output fixations.
                foreach (var step in store1.Plan.Steps.Where(st => st.Kind is OpKind.Conv or OpKind.MaxPool))
                {
                    var outFix = a[k][step.Outputs[0]];
                    var inFix = a[k][step.Inputs[0]];
                    if (outFix is null)
                    {
                        continue;
                    }

                    Assert.NotNull(inFix);
                    var node = step.Node;
                    int kh = step.Kind == OpKind.Conv ? store1[node.Inputs[1]].Shape[2] : (int)node.GetInts("kernel_shape")![0];
                    int s = (int)(node.GetInts("strides")?[0] ?? 1), d = (int)(node.GetInts("dilations")?[0] ?? 1);
                    int p = (int)(node.GetInts("pads")?[0] ?? 0);
                    if (node.GetString("auto_pad", "NOTSET") != "NOTSET")
                    {
                        p = kh; // generous: SAME pads never exceed the kernel
                    }

                    foreach (var ic in inFix!.AllCoordinates())
                    {
                        bool inside = outFix.AllCoordinates().Any(oc =>
                            ic[2] >= (oc[2] * s) - p && ic[2] <= (oc[2] * s) - p + ((kh - 1) * d) + p &&
                            ic[3] >= (oc[3] * s) - p && ic[3] <= (oc[3] * s) - p + ((kh - 1) * d) + p);
                        Assert.True(inside, $"{arch} {step.Node}: input fixation [{string.Join(",", ic)}] outside every receptive field");
                    }
                }
            }

            output.WriteLine($"{arch}: {a[0].InputPoints.Count} input points, backtrack {a[0].TotalMilliseconds:F2} ms, forward {s1.LastRunMilliseconds:F2} ms");
        }
    }

    /// <summary>Zero-copy: the backtrack reads activations through views; what it allocates is bookkeeping proportional to the fixations.</summary>
    [Fact]
    public void BacktrackAllocatesFarLessThanItReads()
    {
        var n = new Net(11, "input", 1, 3, 48, 48);
        var x = n.Relu(n.Conv(n.Input, 3, 32, 3));
        x = n.Relu(n.Conv(x, 32, 64, 3));
        x = n.Relu(n.Conv(x, 64, 64, 3));
        x = n.MaxPool(n.Relu(n.Conv(x, 64, 64, 3)), 2, 2);
        x = n.Relu(n.Conv(x, 64, 64, 3));
        n.Output(n.Gemm(n.Flatten(n.Gap(x)), 64, 10));
        var (session, store) = n.Run();
        using (session)
        {
            var bt = new Backtracker();
            bt.Backtrack(store); // warm up (JIT, rule discovery, array pool)
            long before = GC.GetAllocatedBytesForCurrentThread();
            var r = bt.Backtrack(store);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            double ratio = (double)r.BytesRead / allocated;
            output.WriteLine($"read {r.BytesRead:N0} bytes through views, allocated {allocated:N0} bytes: ratio {ratio:F1}; " +
                             $"{r[n.Input]!.Count} input fixations; backtrack {r.TotalMilliseconds:F2} ms vs forward {session.LastRunMilliseconds:F2} ms");
            Assert.True(r.BytesRead > 0);
            Assert.True(ratio > 5, $"allocated {allocated:N0} bytes for {r.BytesRead:N0} bytes read (ratio {ratio:F2})");
        }
    }

    [Fact]
    public void StepTimingsCoverEveryVisitedStep()
    {
        var net = Architectures.Inception(2);
        var (session, store) = net.Run();
        using (session)
        {
            var r = new Backtracker().Backtrack(store);
            Assert.NotEmpty(r.Steps);
            Assert.All(r.Steps, t => Assert.True(t.Milliseconds >= 0 && t.FixationsIn > 0));
            Assert.Equal(r.Steps.Select(t => t.StepIndex).OrderDescending(), r.Steps.Select(t => t.StepIndex));
        }
    }
}
