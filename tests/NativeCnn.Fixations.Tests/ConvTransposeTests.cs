using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Fixations.Tests;

public sealed class ConvTransposeTests
{
    private static string ConvTranspose(Net n, string x, int cin, int cout, int k, int stride, int pad, int dilation, int group, int outPad, Tensor? weight = null) =>
        n.Node("ConvTranspose", [x, n.Const(weight ?? n.Random([cin, cout / group, k, k], 0.5f)), n.Const(n.Random([cout], 0.1f), "b")],
            AttributeValue.Of("strides", new long[] { stride, stride }), AttributeValue.Of("pads", new long[] { pad, pad, pad, pad }),
            AttributeValue.Of("dilations", new long[] { dilation, dilation }), AttributeValue.Of("group", (long)group),
            AttributeValue.Of("output_padding", new long[] { outPad, outPad }));

    /// <summary>Every output element of the layer, both location options, against the reference's exhaustive scan.</summary>
    [Theory]
    [InlineData(3, 4, 3, 1, 1, 1, 1, 0)]
    [InlineData(4, 6, 4, 2, 1, 1, 1, 0)] // the usual ×2 upsampler
    [InlineData(4, 4, 3, 2, 0, 1, 2, 1)] // groups, output_padding
    [InlineData(2, 3, 3, 3, 1, 2, 1, 0)] // dilation
    [InlineData(6, 6, 2, 2, 0, 1, 3, 0)]
    [InlineData(3, 2, 1, 3, 0, 1, 1, 0)] // stride > kernel: outputs no tap reaches
    public void EveryOutputAgreesWithTheReference(int cin, int cout, int k, int stride, int pad, int dilation, int group, int outPad)
    {
        var n = new Net(cin + (10 * k), "input", 1, cin, 5, 4);
        var y = n.Output(ConvTranspose(n, n.Input, cin, cout, k, stride, pad, dilation, group, outPad));
        var (session, store) = n.Run();
        using (session)
        {
            var reference = new ReferenceBacktracker(store);
            foreach (var location in new[] { ConvLocation.Anchor, ConvLocation.ArgmaxInWindow })
            {
                var options = new FixationOptions { ConvLocation = location, Profile = false };
                var bt = new Backtracker(options);
                for (long f = 0; f < store[y].Length; f++)
                {
                    var r = bt.Backtrack(store, StartPoint.Neuron(y, f));
                    AgreementTests.AssertSame(reference.Run(y, f, options), r, $"ConvTranspose case {cin},{cout},{k},{stride},{pad},{dilation},{group},{outPad} {location} output {f}");
                }
            }
        }
    }

    /// <summary>×2 upsampler (k 4, s 2, p 1): output (oy, ox) anchors on input (⌊oy/2⌋, ⌊ox/2⌋); the channel with the larger contribution wins, ties to the lower.</summary>
    [Fact]
    public void UpsamplerAnchorsOnTheSourcePixel()
    {
        var n = new Net(1, "input", 1, 2, 3, 3);
        var w = Tensor.Create(DataType.Float32, [2, 1, 4, 4]);
        w.AsSpan<float>().Fill(1f);
        var y = n.Output(ConvTranspose(n, n.Input, 2, 1, 4, 2, 1, 1, 1, 0, w)); // [1,1,6,6]
        var input = Tensor.Create(DataType.Float32, [1, 2, 3, 3]);
        input.AsSpan<float>().Fill(1f);
        input.AsSpan<float>()[9 + 4] = 10f; // channel 1, (1, 1)
        var (session, store) = n.Run(input: input);
        using (session)
        {
            var r = new Backtracker().Backtrack(store, StartPoint.Neuron(y, (2 * 6) + 3));
            Assert.Equal([0, 1, 1, 1], r[n.Input]!.Coordinates(0));
            r = new Backtracker().Backtrack(store, StartPoint.Neuron(y, (5 * 6) + 0));
            Assert.Equal([0, 0, 2, 0], r[n.Input]!.Coordinates(0)); // only input (2, 0) reaches it: equal sums, the lower channel
        }
    }
}
