using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="ConvDepthwisePlanes"/> is bitwise <see cref="ConvDepthwise"/> (which the conv tests check against the
/// reference): narrow planes 1×1…15×15, kernels 3 and 5, strides 1 and 2, pads 0–2, dilation 2, channel multipliers 1
/// and 2, channel counts leaving a partial last group, special values in inputs and weights, fused activations, on 1
/// and 2 threads.
/// </summary>
[Trait("Category", "Kernels")]
public unsafe class ConvDepthwisePlanesTests
{
    [Fact]
    public void IsBitwiseTheRowKernel()
    {
        var isa = KernelIsaSupport.Best;
        if (!ConvDepthwisePlanes.Supports(ConvKernelTests.Params(1, 16, 16, 7, 7, 3, 1, 1, 1, 1, 16), isa))
        {
            Assert.Equal(KernelIsa.Scalar, isa);     // the scalar tier keeps ConvDepthwise
            return;
        }

        var rng = new Random(91);
        int cases = 0;
        foreach (var (h, w) in new[] { (1, 1), (3, 5), (7, 7), (14, 14), (15, 9), (17, 17), (28, 28), (33, 31) })
        {
            foreach (var (k, s, pad, dil) in new[] { (3, 1, 1, 1), (3, 2, 1, 1), (5, 1, 2, 1), (3, 2, 0, 1), (3, 1, 2, 2) })
            {
                foreach (var (channels, mult) in new[] { (16, 1), (17, 1), (40, 1), (12, 2) })
                {
                    var p = ConvKernelTests.Params(1 + (cases % 2), channels, channels * mult, h, w, k, s, pad, pad, dil, channels);
                    if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0 || !ConvDepthwisePlanes.Supports(p, isa))
                    {
                        continue;
                    }

                    var act = (cases % 3) switch { 0 => FusedActivation.Relu, 1 => new FusedActivation(ActivationKind.Clip, Lo: -0.2f, Hi: 0.3f), _ => default };
                    Check(p, isa, act, 1 + (cases % 2), rng);
                    cases++;
                }
            }
        }

        Assert.True(cases > 50, $"{cases} cases");
    }

    private static void Check(ConvParams p, KernelIsa isa, FusedActivation act, int threads, Random rng)
    {
        var g = p.Window;
        int inLen = p.Batch * p.InChannels * g.InputSize, outLen = p.Batch * p.OutChannels * g.OutputSize;
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f];
        var x = SgemmTests.RandomArray(rng, inLen);
        var wt = SgemmTests.RandomArray(rng, p.OutChannels * g.KernelSize);
        var b = SgemmTests.RandomArray(rng, p.OutChannels);
        for (int i = 5; i < inLen; i += 37)
        {
            x[i] = specials[i % specials.Length];
        }

        wt[wt.Length / 2] = float.PositiveInfinity;
        var expected = new float[outLen];
        var got = new float[outLen];
        fixed (float* xp = x, wp = wt, bp = b, ep = expected, gp = got)
        {
            var rows = new ConvDepthwise(p, isa, threads);
            rows.SetActivation(act);
            rows.Run(ConvKernelTests.Args(p, xp, wp, bp, ep, threads));
            var planes = new ConvDepthwisePlanes(p, threads);
            planes.SetActivation(act);
            planes.Run(ConvKernelTests.Args(p, xp, wp, bp, gp, threads));
        }

        for (int i = 0; i < outLen; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"N={p.Batch} C={p.InChannels}->{p.OutChannels} {g.Input[1]}x{g.Input[2]} k={g.Kernel[1]} s={g.Strides[1]} pad={g.PadsBegin[1]} d={g.Dilations[1]} {act.Kind}: output {i}: expected {expected[i]}, got {got[i]}");
        }
    }
}
