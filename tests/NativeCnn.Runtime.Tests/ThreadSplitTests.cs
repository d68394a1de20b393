using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// Kernels whose work is split into halves of the image (each core keeps to the rows it wrote in the layer before):
/// the direct small-K kernel's input phase split in top and bottom halves, and the row-tile conv, both with work
/// items taken from two ranges (<see cref="Kernels.TwoEndedItems"/>). Against the naive formula, and bitwise the same
/// on 1, 2 and 3 threads, on shapes whose halves are odd (padded heights, tile counts that do not divide).
/// </summary>
[Trait("Category", "Kernels")]        // also run per ISA tier by tests/run-isa-tiers.sh
public class ThreadSplitTests
{
    public static TheoryData<string, int, int, int, int, int, int, int, int> Cases => new()
    {
        // name, cin, cout, h, w, k, stride, pad, expected kernel on AVX-512 (0 direct small-K, 1 row tile)
        { "stem 3x3 s2 odd", 3, 16, 41, 43, 3, 2, 0, 0 },
        { "stem 3x3 s1 pad", 3, 8, 17, 20, 3, 1, 1, 0 },
        { "stem 7x7 s2 pad3", 3, 64, 37, 45, 7, 2, 3, 0 },
        { "rowtile 1 panel padded", 32, 64, 19, 23, 3, 1, 1, 1 },
        { "rowtile 3 panels", 48, 192, 13, 13, 3, 1, 1, 1 },
        { "rowtile 2 panels s2", 32, 128, 15, 17, 3, 2, 1, 1 },
        { "rowtile 8 panels", 256, 512, 7, 7, 3, 1, 1, 1 },
        { "rowtile 64 + 32 channels", 48, 96, 27, 27, 3, 1, 1, 1 },
        { "rowtile 32 channels stride 2", 64, 32, 15, 17, 3, 2, 1, 1 },
        { "rowtile 32 channels 14x14", 128, 32, 14, 14, 3, 1, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheFormulaAndOneThreadOnAnyThreadCount(string name, int cin, int cout, int h, int w, int k, int stride, int pad, int kernel)
    {
        var rng = new Random(name.Length * 7919);
        var x = Random(rng, 1, cin, h, w);
        var wt = Random(rng, cout, cin, k, k);
        var b = Random(rng, cout);
        var attrs = new[] { A("strides", stride, stride), A("pads", pad, pad, pad, pad) };
        var expected = ConvTests.NaiveConv2d(x, wt, b, stride, 1, pad, pad, pad, pad, 1, out _, out _);

        var one = Run("Conv", [x, wt, b], attrs, constants: [1, 2]);
        if (Vector512.IsHardwareAccelerated)
        {
            string chosen = ((IDescribedKernel)one.Plan.Steps[0].Kernel).KernelName;
            Assert.StartsWith(kernel == 0 ? "ConvDirectSmallK" : "ConvRowTile", chosen, StringComparison.Ordinal);
        }

        AssertClose(expected, one["out0"], 1e-4, 1e-4, name);
        foreach (int threads in new[] { 2, 3 })
        {
            for (int repeat = 0; repeat < 3; repeat++)
            {
                var r = Run("Conv", [x, wt, b], attrs, threads: threads, constants: [1, 2]);
                Assert.True(one["out0"].SequenceEqual(r["out0"]), $"{name}: {threads} threads differ from 1 thread");
            }
        }
    }
}
