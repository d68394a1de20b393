using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>The SIMD conv kernels against <see cref="ConvReference"/>, called directly (no session).</summary>
[Trait("Category", "Kernels")]
public unsafe class ConvKernelTests
{
    /// <summary>
    /// Unit roundoff of float32 counted twice (reference and kernel each round every partial sum): the classical bound
    /// on a K-term sum is K·u·Σ|w·x|; FMA and the K-blocked order only change which of those roundings happen.
    /// </summary>
    private const double TwoUlp = 2.0 / (1 << 24);

    private const double Atol = 1e-6;

    public static IEnumerable<object[]> SgemmKernels() =>
        KernelTiers.Available.SelectMany(SgemmFactory.KernelsFor).Distinct().Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(SgemmKernels))]
    public void SgemmConvMatchesReferenceOverChannelAndShapeSweep(string sgemm)
    {
        var rng = new Random(7);
        int[] channels = [1, 2, 3, 4, 7, 8, 15, 16, 17];
        int cases = 0;
        foreach (int cin in channels)
        {
            foreach (int cout in channels)
            {
                // Cycle through kernel / stride / padding / dilation / group combinations so every channel pair meets several.
                int v = cases++;
                int k = new[] { 1, 3, 5, 1, 3, 2 }[v % 6];
                int stride = 1 + (v / 6 % 2);
                int pad = v % 4 == 3 ? 0 : k / 2;
                int dil = v % 9 == 4 ? 2 : 1;
                int group = cin % 2 == 0 && cout % 2 == 0 && v % 3 == 0 ? 2 : 1;
                int h = 5 + (v % 7), w = 3 + (v % 11);
                Check(sgemm, rng, batch: 1 + (v % 2), cin, cout, h, w, k, stride, pad, pad + (v % 2), dil, group, threads: 1 + (v % 2));
            }
        }
    }

    [Theory]
    [MemberData(nameof(SgemmKernels))]
    public void SgemmConvMatchesReferenceOnPointwiseAndVggLikeLayers(string sgemm)
    {
        var rng = new Random(8);
        Check(sgemm, rng, 1, 64, 33, 14, 14, 1, 1, 0, 0, 1, 1, 2);     // pointwise (B = X directly)
        Check(sgemm, rng, 1, 32, 48, 28, 28, 3, 1, 1, 1, 1, 1, 2);     // VGG-like 3×3 same
        Check(sgemm, rng, 1, 3, 16, 31, 29, 7, 2, 3, 3, 1, 1, 2);      // ResNet stem-like, odd sizes
        Check(sgemm, rng, 2, 4, 10, 40, 37, 7, 2, 3, 2, 1, 2, 1);      // stem-like read through the phase split: batch 2, groups, uneven pads, 1 thread
        Check(sgemm, rng, 1, 2, 5, 23, 26, 7, 3, 1, 4, 1, 1, 2);       // stride 3 (three phases)
        Check(sgemm, rng, 1, 3, 7, 21, 19, 5, 2, 4, 4, 2, 1, 2);       // dilated 5×5 stride 2, pads wider than the window reach
    }

    [Fact]
    public void PlanChoosesTheSgemmConvForConstantWeightsAndItAgreesWithTheReferencePlan()
    {
        var rng = new Random(9);
        var x = ConvOpsHarness.Random(rng, 1, 5, 9, 9);
        var w = ConvOpsHarness.Random(rng, 6, 5, 3, 3);
        var b = ConvOpsHarness.Random(rng, 6);
        var fast = ConvOpsHarness.Run("Conv", [x, w, b], [ConvOpsHarness.A("pads", 1, 1, 1, 1)], constants: [1, 2]);
        var slow = ConvOpsHarness.Run("Conv", [x, w, b], [ConvOpsHarness.A("pads", 1, 1, 1, 1)]);   // W not constant: reference
        Assert.StartsWith("ConvIm2colSgemm(", Assert.IsAssignableFrom<IDescribedKernel>(fast.Plan.Steps[0].Kernel).KernelName);
        Assert.IsNotAssignableFrom<IDescribedKernel>(slow.Plan.Steps[0].Kernel);
        ConvOpsHarness.AssertClose(slow["out0"], fast["out0"], 1e-5, 1e-5, "conv 5->6 3x3 pad 1");
    }

    public static IEnumerable<object[]> Tiers() => KernelTiers.Available.Select(t => new object[] { t });

    /// <summary>The depthwise kernel adds the taps in the reference's order without FMA: results are bitwise equal.</summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void DepthwiseIsBitwiseTheReferenceOverShapesThatHitEveryTail(KernelIsa isa)
    {
        var rng = new Random(10);
        int v = 0;
        foreach (int width in new[] { 1, 2, 7, 8, 15, 16, 17, 31, 33, 56 })
        {
            foreach (var (k, stride, pad, dil, mult) in new[] { (3, 1, 1, 1, 1), (3, 2, 1, 1, 1), (5, 1, 2, 1, 2), (3, 1, 2, 2, 1), (7, 1, 3, 1, 1), (3, 1, 0, 1, 1), (1, 1, 0, 1, 3) })
            {
                v++;
                int c = 1 + (v % 4), h = 1 + (v % 9);
                var p = Params(1 + (v % 2), c, c * mult, h, width, k, stride, pad, pad, dil, c);
                if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0)
                {
                    continue;
                }

                string what = $"{isa} N={p.Batch} C={c} mult={mult} H={h} W={width} k={k} s={stride} p={pad} d={dil}";
                var x = SgemmTests.RandomArray(rng, p.Batch * c * h * width);
                var wt = SgemmTests.RandomArray(rng, c * mult * k * k);
                var b = SgemmTests.RandomArray(rng, c * mult);
                int outLen = p.Batch * c * mult * p.Window.OutputSize;
                var expected = new float[outLen];
                var got = new float[outLen];
                fixed (float* xp = x, wp = wt, bp = b, ep = expected, gp = got)
                {
                    ConvReference.Run(p, xp, wp, bp, ep, 1);
                    new ConvDepthwise(p, isa, 1 + (v % 2)).Run(Args(p, xp, wp, bp, gp, 1 + (v % 2)));
                }

                for (int i = 0; i < outLen; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]), $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
                }
            }
        }
    }

    internal static ConvParams Params(int batch, int cin, int cout, int h, int w, int k, int stride, int padBegin, int padEnd, int dil, int group)
    {
        int oh = ((h + padBegin + padEnd - (dil * (k - 1)) - 1) / stride) + 1;
        int ow = ((w + padBegin + padEnd - (dil * (k - 1)) - 1) / stride) + 1;
        var g = new WindowGeometry
        {
            SpatialRank = 2, Input = [1, h, w], Output = [1, oh, ow], Kernel = [1, k, k], Strides = [1, stride, stride],
            Dilations = [1, dil, dil], PadsBegin = [0, padBegin, padBegin], PadsEnd = [0, padEnd, padEnd],
        };
        return new ConvParams(batch, cin, cout, group, g);
    }

    [Fact]
    public void DirectSmallKConvMatchesReference()
    {
        if (!ConvDirectSmallK.Supports(Params(1, 3, 8, 20, 20, 3, 1, 1, 1, 1, 1)))
        {
            return;    // below AVX-512 the plan takes the im2col SGEMM
        }

        var rng = new Random(11);
        //    batch cin cout h   w   k  s  pb pe dil threads
        CheckDirect(rng, 1, 3, 64, 23, 40, 3, 1, 1, 1, 1, 2);       // VGG / Tiny Darknet stem-like, 48-wide blocks and a 16-wide overlapping tail
        CheckDirect(rng, 2, 3, 13, 31, 37, 3, 2, 0, 1, 1, 1);       // SqueezeNet stem-like stride 2, ragged C_out, batch 2
        CheckDirect(rng, 1, 1, 8, 9, 16, 5, 1, 2, 2, 1, 2);         // exactly 16 output columns
        CheckDirect(rng, 1, 2, 5, 17, 70, 3, 3, 1, 2, 1, 2);        // stride 3 (three phases), uneven pads
        CheckDirect(rng, 1, 3, 9, 15, 50, 3, 1, 2, 2, 2, 1);        // dilation 2
        CheckDirect(rng, 1, 3, 16, 9, 33, 3, 2, 1, 1, 1, 2);        // stride 2 with pads, 17 output columns
        CheckDirect(rng, 1, 3, 64, 30, 41, 7, 2, 3, 3, 1, 2);       // ResNet stem-like 7×7/2 (K = 147)
        CheckDirect(rng, 1, 17, 24, 12, 20, 3, 1, 1, 1, 1, 1);      // K = 153, C_out = 3 blocks
        CheckDirect(rng, 1, 3, 20, 47, 21, 3, 1, 1, 1, 1, 2);       // 47 output rows: work items of 3 rows, a ragged last one of 2
        CheckDirect(rng, 1, 3, 64, 61, 60, 3, 2, 0, 0, 1, 1);       // stride 2, 30 output rows: items of 2 rows
        Assert.False(ConvDirectSmallK.Supports(Params(1, 16, 64, 20, 20, 1, 1, 0, 0, 1, 1)));   // 1×1 stays on the SGEMM
    }

    private static void CheckDirect(Random rng, int batch, int cin, int cout, int h, int w, int k, int stride, int padBegin, int padEnd, int dil, int threads)
    {
        var p = Params(batch, cin, cout, h, w, k, stride, padBegin, padEnd, dil, 1);
        string what = $"direct N={batch} Cin={cin} Cout={cout} H={h} W={w} k={k} s={stride} p={padBegin}/{padEnd} d={dil} threads={threads}";
        Assert.True(ConvDirectSmallK.Supports(p), what);
        var x = SgemmTests.RandomArray(rng, batch * cin * h * w);
        var wt = SgemmTests.RandomArray(rng, cout * cin * k * k);
        var b = SgemmTests.RandomArray(rng, cout);
        int outLen = batch * cout * p.Window.OutputSize;
        var expected = new float[outLen];
        var got = new float[outLen];
        var again = new float[outLen];
        var bound = new float[outLen];
        var absW = wt.Select(Math.Abs).ToArray();
        var absX = x.Select(Math.Abs).ToArray();
        fixed (float* xp = x, wp = wt, bp = b, ep = expected, gp = got, ap = again, awp = absW, axp = absX, bnd = bound)
        {
            ConvReference.Run(p, xp, wp, bp, ep, 1);
            ConvReference.Run(p, axp, awp, (float*)null, bnd, 1);
            new ConvDirectSmallK(p, wp, threads).Run(Args(p, xp, wp, bp, gp, threads));
            new ConvDirectSmallK(p, wp, 3 - threads).Run(Args(p, xp, wp, bp, ap, 3 - threads));
        }

        Assert.True(got.AsSpan().SequenceEqual(again), $"{what}: 1 vs 2 threads differ");
        for (int i = 0; i < outLen; i++)
        {
            double tol = Atol + (TwoUlp * (1 + (k * k * cin)) * (bound[i] + Math.Abs(b[i / p.Window.OutputSize % cout])));
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol, $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(SgemmKernels))]
    public void SmallPlaneConvMatchesReference(string sgemm)
    {
        var rng = new Random(10);
        //    batch cin cout h   w  k  s  pb pe dil threads
        Check(sgemm, rng, 1, 64, 64, 7, 7, 3, 1, 1, 1, 1, 1, 2, smallPlane: true);       // ResNet layer4-like
        Check(sgemm, rng, 2, 5, 33, 14, 14, 3, 1, 1, 1, 1, 1, 1, smallPlane: true);      // batch 2, ragged C_out, N = 196 (whole panels)
        Check(sgemm, rng, 1, 7, 40, 13, 13, 3, 1, 1, 1, 1, 1, 2, smallPlane: true);      // SqueezeNet-like 13×13 (ragged last row panel)
        Check(sgemm, rng, 1, 9, 32, 15, 13, 3, 2, 1, 0, 1, 1, 2, smallPlane: true);      // stride 2, uneven pads
        Check(sgemm, rng, 1, 3, 17, 11, 12, 3, 1, 2, 2, 2, 1, 1, smallPlane: true);      // dilation 2
        Check(sgemm, rng, 1, 4, 8, 9, 10, 5, 1, 2, 1, 1, 1, 2, smallPlane: true);        // 5×5, N = 9×7
        Check(sgemm, rng, 1, 300, 64, 4, 4, 3, 1, 1, 1, 1, 1, 2, smallPlane: true);      // K = 2700: several K blocks
    }

    [Fact]
    public void RowTileConvMatchesReferenceAndIsBitwiseTheSmallPlaneKernel()
    {
        if (!ConvRowTile.Supports(Params(1, 8, 64, 7, 7, 3, 1, 1, 1, 1, 1)))
        {
            return;    // an AVX-512 kernel: below it the plan takes the packed SGEMMs (checked above on every tier)
        }

        var rng = new Random(12);
        //          batch cin cout h   w  k  s  pb pe dil threads
        CheckRowTile(rng, 1, 64, 64, 7, 7, 3, 1, 1, 1, 1, 2);       // ResNet layer4-like (one tile per row)
        CheckRowTile(rng, 2, 5, 128, 14, 14, 3, 1, 1, 1, 1, 1);     // batch 2, two channel panels, K = 45 (one short K block)
        CheckRowTile(rng, 1, 7, 64, 13, 13, 3, 1, 1, 1, 1, 2);      // SqueezeNet-like 13×13: a 6-wide last tile per row
        CheckRowTile(rng, 1, 9, 64, 15, 13, 3, 2, 1, 0, 1, 2);      // stride 2, uneven pads, OW = 7
        CheckRowTile(rng, 1, 3, 64, 11, 12, 3, 1, 2, 2, 2, 1);      // dilation 2
        CheckRowTile(rng, 1, 4, 64, 9, 10, 5, 1, 2, 1, 1, 2);       // 5×5, OW = 7 (padded: an uneven pad)
        CheckRowTile(rng, 1, 300, 192, 4, 4, 3, 1, 1, 1, 1, 2);     // K = 2700: 22 K blocks (a short last one), three panels, 4-wide tiles
        CheckRowTile(rng, 1, 40, 128, 14, 14, 1, 2, 0, 0, 1, 2);    // 1×1 stride 2, read in place (OW = 7; the plan keeps these on the im2col SGEMM)
        CheckRowTile(rng, 1, 20, 64, 30, 29, 3, 2, 0, 0, 1, 1);     // stride 2 unpadded, read in place (OW = 14), 14 rows
        CheckRowTile(rng, 1, 16, 64, 31, 33, 3, 1, 1, 1, 1, 2);     // 31×33 plane: 5 tiles per row, the last 5 wide; several tiles per item
        CheckRowTile(rng, 1, 70, 128, 14, 14, 1, 1, 0, 0, 1, 2);    // 1×1 stride 1 on 14×14 (Tiny Darknet-like), in place
        CheckRowTile(rng, 1, 130, 64, 28, 27, 1, 2, 0, 0, 1, 1);    // 1×1 stride 2, odd width (OW = 14), K: a 2-long last block
        CheckRowTile(rng, 1, 10, 64, 6, 3, 3, 1, 1, 1, 1, 2);       // 3-wide rows: two tiles cover fewer than 8 positions (masked stores)
        CheckRowTile(rng, 1, 12, 128, 5, 8, 3, 1, 1, 1, 1, 1);      // 8-wide rows: a 7-wide and a 1-wide tile per row
        Assert.True(ConvRowTile.Worthwhile(Params(1, 64, 128, 56, 56, 1, 2, 0, 0, 1, 1)));   // ResNet downsample
        Assert.True(ConvRowTile.Worthwhile(Params(1, 512, 64, 14, 14, 1, 1, 0, 0, 1, 1)));   // small plane
        Assert.False(ConvRowTile.Worthwhile(Params(1, 64, 128, 56, 56, 1, 1, 0, 0, 1, 1)));  // large plane: the SGEMM reads B in place
        Assert.False(ConvRowTile.Worthwhile(Params(1, 16, 128, 14, 14, 1, 1, 0, 0, 1, 1)));  // short K
        Assert.False(ConvRowTile.Worthwhile(Params(1, 512, 64, 13, 13, 1, 1, 0, 0, 1, 1)));  // 13×13: needs the padded copy
        CheckRowTile(rng, 1, 128, 32, 14, 14, 3, 1, 1, 1, 1, 2);    // C_out 32: one half panel (DenseNet's growth convs)
        CheckRowTile(rng, 1, 48, 96, 13, 13, 3, 1, 1, 1, 1, 1);     // 64 + 32 channels, short tiles
        CheckRowTile(rng, 1, 64, 32, 15, 17, 3, 2, 1, 1, 1, 2);     // half panel, stride 2
        Assert.True(ConvRowTile.Worthwhile(Params(1, 128, 32, 7, 7, 3, 1, 1, 1, 1, 1)));    // C_out 32 on 7×7: the small-plane SGEMM does not take it
        Assert.False(ConvRowTile.Worthwhile(Params(1, 48, 96, 13, 13, 3, 1, 1, 1, 1, 1)));  // 64 + 32 on 13×13: the small-plane SGEMM does
        Assert.False(ConvRowTile.Supports(Params(1, 16, 80, 14, 14, 3, 1, 1, 1, 1, 1)));  // C_out not a multiple of 32
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            Assert.False(ConvDirectSmallK.Worthwhile(Params(1, 16, 64, 55, 55, 3, 1, 1, 1, 1, 1)));   // SqueezeNet expand: the row tile
            Assert.True(ConvDirectSmallK.Worthwhile(Params(1, 16, 32, 112, 112, 3, 1, 1, 1, 1, 1))); // a half panel: stays
            Assert.True(ConvDirectSmallK.Worthwhile(Params(1, 3, 64, 224, 224, 7, 2, 3, 3, 1, 1)));  // ResNet stem (stride 2): stays
        }
        Assert.False(ConvRowTile.Supports(Params(1, 16, 64, 21, 21, 3, 3, 1, 1, 1, 1)));  // stride 3
    }

    private static void CheckRowTile(Random rng, int batch, int cin, int cout, int h, int w, int k, int stride, int padBegin, int padEnd, int dil, int threads)
    {
        var p = Params(batch, cin, cout, h, w, k, stride, padBegin, padEnd, dil, 1);
        string what = $"rowtile N={batch} Cin={cin} Cout={cout} H={h} W={w} k={k} s={stride} p={padBegin}/{padEnd} d={dil} threads={threads}";
        Assert.True(ConvRowTile.Supports(p), what);
        Assert.Equal(padBegin == 0 && padEnd == 0 && p.Window.Output[2] % ConvRowTile.MR == 0, ConvRowTile.ReadsInPlace(p));
        var x = SgemmTests.RandomArray(rng, batch * cin * h * w);
        var wt = SgemmTests.RandomArray(rng, cout * cin * k * k);
        var b = SgemmTests.RandomArray(rng, cout);
        int outLen = batch * cout * p.Window.OutputSize;
        var expected = new float[outLen];
        var got = new float[outLen];
        var again = new float[outLen];
        var smallPlane = new float[outLen];
        var bound = new float[outLen];
        var absW = wt.Select(Math.Abs).ToArray();
        var absX = x.Select(Math.Abs).ToArray();
        fixed (float* xp = x, wp = wt, bp = b, ep = expected, gp = got, ap = again, sp = smallPlane, awp = absW, axp = absX, bnd = bound)
        {
            ConvReference.Run(p, xp, wp, bp, ep, 1);
            ConvReference.Run(p, axp, awp, (float*)null, bnd, 1);
            new ConvRowTile(p, wp, threads).Run(Args(p, xp, wp, bp, gp, threads));
            new ConvRowTile(p, wp, 3 - threads).Run(Args(p, xp, wp, bp, ap, 3 - threads));
            new ConvSmallPlane(p, wp, threads, "SgemmPackedAvx512_14x32").Run(Args(p, xp, wp, bp, sp, threads));
        }

        Assert.True(got.AsSpan().SequenceEqual(again), $"{what}: 1 vs 2 threads differ");
        Assert.True(got.AsSpan().SequenceEqual(smallPlane), $"{what}: differs from the small-plane SGEMM (same summation order)");
        for (int i = 0; i < outLen; i++)
        {
            double tol = Atol + (TwoUlp * (1 + (k * k * cin)) * (bound[i] + Math.Abs(b[i / p.Window.OutputSize % cout])));
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol, $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
        }
    }

    private static void Check(string sgemm, Random rng, int batch, int cin, int cout, int h, int w, int k, int stride, int padBegin, int padEnd, int dil, int group, int threads, bool smallPlane = false)
    {
        var p = Params(batch, cin, cout, h, w, k, stride, padBegin, padEnd, dil, group);
        string what = $"{sgemm} N={batch} Cin={cin} Cout={cout} H={h} W={w} k={k} s={stride} p={padBegin}/{padEnd} d={dil} g={group} threads={threads}";
        Assert.True(p.Window.Output[1] > 0 && p.Window.Output[2] > 0, what);
        var x = SgemmTests.RandomArray(rng, batch * cin * h * w);
        var wt = SgemmTests.RandomArray(rng, cout * (cin / group) * k * k);
        var b = SgemmTests.RandomArray(rng, cout);
        var absW = wt.Select(Math.Abs).ToArray();
        var absX = x.Select(Math.Abs).ToArray();
        int outLen = batch * cout * p.Window.OutputSize;
        var expected = new float[outLen];
        var bound = new float[outLen];
        var got = new float[outLen];
        fixed (float* xp = x, wp = wt, bp = b, ep = expected, gp = got, awp = absW, axp = absX, bnd = bound)
        {
            ConvReference.Run(p, xp, wp, bp, ep, 1);
            ConvReference.Run(p, axp, awp, (float*)null, bnd, 1);
            IKernel kernel = smallPlane ? new ConvSmallPlane(p, wp, threads, sgemm) : new ConvSgemm(p, wp, KernelIsa.Scalar, threads, sgemm);
            kernel.Run(Args(p, xp, wp, bp, gp, threads));
            if (smallPlane)
            {
                var again = new float[outLen];     // same result on the other thread count, bitwise
                fixed (float* ap = again)
                {
                    new ConvSmallPlane(p, wp, 3 - threads, sgemm).Run(Args(p, xp, wp, bp, ap, 3 - threads));
                }

                Assert.True(got.AsSpan().SequenceEqual(again), $"{what}: 1 vs 2 threads differ");
            }
        }

        for (int i = 0; i < outLen; i++)
        {
            double tol = Atol + (TwoUlp * (1 + (k * k * cin / group)) * (bound[i] + Math.Abs(b[i / p.Window.OutputSize % cout])));
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol, $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
        }
    }

    internal static KernelArgs Args(ConvParams p, float* x, float* w, float* b, float* y, int threads)
    {
        var g = p.Window;
        return new KernelArgs(
            [
                new TensorView(DataType.Float32, [p.Batch, p.InChannels, g.Input[1], g.Input[2]], (nint)x),
                new TensorView(DataType.Float32, [p.OutChannels, p.InPerGroup, g.Kernel[1], g.Kernel[2]], (nint)w),
                new TensorView(DataType.Float32, [p.OutChannels], (nint)b),
            ],
            [new TensorView(DataType.Float32, [p.Batch, p.OutChannels, g.Output[1], g.Output[2]], (nint)y)],
            [],
            threads);
    }
}
