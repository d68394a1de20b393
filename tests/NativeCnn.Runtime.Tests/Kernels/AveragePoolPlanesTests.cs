using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="AveragePoolPlanes"/> is bitwise <see cref="AveragePoolReference"/> over windows 1–5, strides 1–3,
/// asymmetric pads, ceil_mode windows past the padded end, dilation, both count_include_pad modes, planes from 1×1,
/// channel counts that leave a partial last group, special values (NaN, ±∞, ±0), on 1 and 2 threads.
/// </summary>
[Trait("Category", "Kernels")]
public unsafe class AveragePoolPlanesTests
{
    [Fact]
    public void IsBitwiseTheReference()
    {
        var rng = new Random(81);
        if (!AveragePoolPlanes.Supports(Params(16, 6, 6, 3, 1, 1, 1, 1, false)))
        {
            // Scalar tier: the operator keeps the reference kernel.
            Assert.Equal(KernelIsa.Scalar, KernelIsaSupport.Best);
            return;
        }

        int cases = 0;
        foreach (var (k, s, pb, pe, dil, ceil) in new[] { (3, 1, 1, 1, 1, false), (3, 2, 1, 1, 1, true), (2, 2, 0, 1, 1, false), (5, 1, 2, 2, 1, false), (3, 3, 2, 0, 1, true), (1, 1, 0, 0, 1, false), (4, 2, 1, 2, 1, true), (3, 1, 2, 2, 2, false) })
        {
            foreach (var (h, w) in new[] { (1, 1), (2, 5), (7, 7), (13, 11), (28, 28), (3, 40) })
            {
                foreach (int channels in new[] { 16, 17, 40 })
                {
                    var p = Params(channels, h, w, k, s, pb, pe, dil, ceil);
                    if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0)
                    {
                        continue;
                    }

                    foreach (bool includePad in new[] { false, true })
                    {
                        Check(p, includePad, 1 + (cases % 2), rng);
                        cases++;
                    }
                }
            }
        }

        Assert.True(cases > 200, $"{cases} cases");
    }

    private static PoolParams Params(int channels, int h, int w, int k, int s, int pb, int pe, int dil, bool ceil)
    {
        int Out(int size)
        {
            int span = size + pb + pe - (dil * (k - 1)) - 1;
            return span < 0 ? 0 : ((ceil ? span + s - 1 : span) / s) + 1;
        }

        var g = new WindowGeometry
        {
            SpatialRank = 2, Input = [1, h, w], Output = [1, Out(h), Out(w)], Kernel = [1, k, k], Strides = [1, s, s],
            Dilations = [1, dil, dil], PadsBegin = [0, pb, pb], PadsEnd = [0, pe, pe],
        };
        return new PoolParams(1, channels, g);
    }

    private static void Check(PoolParams p, bool includePad, int threads, Random rng)
    {
        var g = p.Window;
        int inLen = p.Channels * g.InputSize, outLen = p.Channels * g.OutputSize;
        var x = new float[inLen];
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 0f];
        for (int i = 0; i < inLen; i++)
        {
            x[i] = i % 11 == 5 ? specials[i / 11 % specials.Length] : (float)(rng.NextDouble() - 0.5);
        }

        var expected = new float[outLen];
        var got = new float[outLen];
        fixed (float* xp = x, ep = expected, gp = got)
        {
            AveragePoolReference.Run(p, xp, ep, includePad, 1);
            var shape = new[] { 1, p.Channels, g.Output[1], g.Output[2] };
            new AveragePoolPlanes(p, includePad, threads).Run(new Planning.KernelArgs(
                [new TensorView(DataType.Float32, [1, p.Channels, g.Input[1], g.Input[2]], (nint)xp)],
                [new TensorView(DataType.Float32, shape, (nint)gp)], [], threads));
        }

        for (int i = 0; i < outLen; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]),
                $"C={p.Channels} {g.Input[1]}x{g.Input[2]} k={g.Kernel[1]} s={g.Strides[1]} pads {g.PadsBegin[1]}/{g.PadsEnd[1]} d={g.Dilations[1]} includePad={includePad}: output {i}: expected {expected[i]}, got {got[i]}");
        }
    }
}
