using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>The SIMD element-wise kernels are bitwise their scalar references, special values included, at every length 0…70.</summary>
[Trait("Category", "Kernels")]
public unsafe class ElementwiseKernelTests
{
    private static readonly float[] Specials = [float.NaN, -0f, 0f, float.PositiveInfinity, float.NegativeInfinity, -1e-40f, 1e-40f, float.MaxValue, -3.5f];

    private static float[] Values(Random rng, int n)
    {
        var v = SgemmTests.RandomArray(rng, n);
        for (int i = 0; i < n; i += 3)
        {
            v[i] = Specials[(i / 3) % Specials.Length];
        }

        return v;
    }

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 2)]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    public void UnaryVectorKernelSplitOverThreadsIsBitwiseTheReference(bool leaky, int threads)
    {
        var rng = new Random(leaky ? 61 : 62);
        int n = (int)UnaryVectorKernel.SplitFrom + (3 * UnaryVectorKernel.Chunk) + 12345;   // split, with a ragged last chunk
        var x = Values(rng, n);
        var expected = new float[n];
        var got = new float[n];
        if (leaky)
        {
            LeakyReluReference.Run<float>(x, expected, 0.1f);
        }
        else
        {
            ReluReference.Run<float>(x, expected);
        }

        fixed (float* xp = x, gp = got)
        {
            new UnaryVectorKernel(leaky, 0.1f, threads).Run(new Planning.KernelArgs(
                [new TensorView(DataType.Float32, [n], (nint)xp)], [new TensorView(DataType.Float32, [n], (nint)gp)], [], threads));
        }

        for (int i = 0; i < n; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]), $"element {i}: expected {expected[i]}, got {got[i]}");
        }
    }

    [Theory]
    [InlineData(1, 37, 91, 97)]     // short channels: several rows an item, the cut off a row's middle
    [InlineData(2, 3, 300, 301)]    // long channels: each half in pieces
    public void UnaryVectorKernelSplitByChannelHalvesIsBitwiseTheReference(int n, int c, int h, int w)
    {
        var rng = new Random(63 + c);
        int count = n * c * h * w;
        Assert.True(count >= UnaryVectorKernel.SplitFrom);
        var x = Values(rng, count);
        var expected = new float[count];
        var got = new float[count];
        LeakyReluReference.Run<float>(x, expected, 0.1f);
        fixed (float* xp = x, gp = got)
        {
            new UnaryVectorKernel(leaky: true, 0.1f, threads: 2).Run(new Planning.KernelArgs(
                [new TensorView(DataType.Float32, [n, c, h, w], (nint)xp)], [new TensorView(DataType.Float32, [n, c, h, w], (nint)gp)], [], 2));
        }

        AssertBitwise(expected, got, $"LeakyRelu [{n},{c},{h},{w}]");
    }

    [Fact]
    public void ReluIsBitwiseTheReference()
    {
        var rng = new Random(31);
        for (int n = 0; n <= 70; n++)
        {
            var x = Values(rng, n);
            var expected = new float[n];
            var got = new float[n];
            ReluReference.Run<float>(x, expected);
            fixed (float* xp = x, yp = got)
            {
                ElementwiseVector.Relu(xp, yp, n);
            }

            AssertBitwise(expected, got, $"Relu n={n}");
        }
    }

    [Fact]
    public void LeakyReluIsBitwiseTheReference()
    {
        var rng = new Random(33);
        for (int n = 0; n <= 70; n++)
        {
            var x = Values(rng, n);
            var expected = new float[n];
            var got = new float[n];
            LeakyReluReference.Run<float>(x, expected, 0.1f);
            fixed (float* xp = x, yp = got)
            {
                ElementwiseVector.LeakyRelu(xp, yp, n, 0.1f);
            }

            AssertBitwise(expected, got, $"LeakyRelu n={n}");
        }
    }

    [Fact]
    public void AddSubMulDivAreBitwiseTheScalarOpsForDenseAndRepeatedOperands()
    {
        var rng = new Random(32);
        for (int n = 0; n <= 70; n++)
        {
            var a = Values(rng, n + 1);
            var b = Values(rng, n + 1);
            for (int op = 0; op < 4; op++)
            {
                foreach (var (sa, sb) in new[] { (1, 1), (1, 0), (0, 1) })
                {
                    var expected = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        float va = a[i * sa], vb = b[i * sb];
                        expected[i] = op == 0 ? AddOp<float>.Invoke(va, vb) : op == 1 ? SubOp<float>.Invoke(va, vb) : op == 2 ? MulOp<float>.Invoke(va, vb) : DivOp<float>.Invoke(va, vb);
                    }

                    var got = new float[n];
                    fixed (float* ap = a, bp = b, yp = got)
                    {
                        ElementwiseVector.Binary(op, ap, sa, bp, sb, yp, n);
                    }

                    AssertBitwise(expected, got, $"op {op} n={n} strides {sa}/{sb}");
                }
            }
        }
    }

    private static void AssertBitwise(float[] expected, float[] got, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(got[i]), $"{what}: element {i}: expected {expected[i]}, got {got[i]}");
        }
    }
}

/// <summary>The vector max pool is bitwise the reference, values and argmax, NaN and ties included.</summary>
[Trait("Category", "Kernels")]
public unsafe class MaxPoolKernelTests
{
    [Fact]
    public void MaxPoolVectorIsBitwiseTheReferenceOverWindowsStridesAndPads()
    {
        if (!MaxPoolVector.Supports(Params(1, 1, 8, 16, 2, 2, 0, 0, 1)))
        {
            return;    // scalar tier: the operator plans the reference kernel
        }

        var rng = new Random(51);
        int v = 0;
        foreach (int width in new[] { 16, 17, 23, 31, 56, 57, 112 })
        {
            foreach (var (k, s, pad, dil) in new[] { (2, 2, 0, 1), (3, 2, 1, 1), (3, 1, 1, 1), (3, 3, 0, 1), (2, 1, 0, 1), (3, 2, 1, 2), (5, 2, 2, 1) })
            {
                v++;
                var p = Params(1 + (v % 2), 1 + (v % 3), 3 + (v % 9), width, k, s, pad, pad + (v % 2), dil);
                if (p.Window.Output[1] <= 0 || !MaxPoolVector.Supports(p))
                {
                    continue;
                }

                int inLen = p.Batch * p.Channels * p.Window.InputSize, outLen = p.Batch * p.Channels * p.Window.OutputSize;
                var x = SgemmTests.RandomArray(rng, inLen);
                for (int i = 0; i < inLen; i += 7)
                {
                    x[i] = (i / 7) % 5 == 0 ? float.NaN : x[(i + 1) % inLen];   // NaNs and ties
                }

                var ye = new float[outLen];
                var yg = new float[outLen];
                var ae = new int[outLen];
                var ag = new int[outLen];
                fixed (float* xp = x, yep = ye, ygp = yg)
                fixed (int* aep = ae, agp = ag)
                {
                    MaxPoolReference.Run(p, xp, yep, aep, null, false, 1);
                    var kernel = new MaxPoolVector(p, 0, 1 + (v % 2));
                    kernel.Run(new Planning.KernelArgs(
                        [new TensorView(DataType.Float32, [p.Batch, p.Channels, p.Window.Input[1], width], (nint)xp)],
                        [new TensorView(DataType.Float32, [p.Batch, p.Channels, p.Window.Output[1], p.Window.Output[2]], (nint)ygp)],
                        [new TensorView(DataType.Int32, [p.Batch, p.Channels, p.Window.Output[1], p.Window.Output[2]], (nint)agp)],
                        1 + (v % 2)));
                }

                string what = $"W={width} H={p.Window.Input[1]} k={k} s={s} pad={pad} dil={dil}";
                for (int i = 0; i < outLen; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(ye[i]) == BitConverter.SingleToInt32Bits(yg[i]) && ae[i] == ag[i],
                        $"{what}: element {i}: expected {ye[i]} at {ae[i]}, got {yg[i]} at {ag[i]}");
                }
            }
        }
    }

    [Fact]
    public void AveragePoolInsideIsBitwiseTheReference()
    {
        var rng = new Random(52);
        int cases = 0;
        foreach (int width in new[] { 1, 7, 8, 9, 13, 16, 17, 56 })
        {
            foreach (var (k, s, dil) in new[] { (2, 2, 1), (3, 1, 1), (3, 2, 1), (13, 1, 1), (1, 1, 1), (3, 1, 2), (7, 7, 1) })
            {
                int h = Math.Max(k, 3 + (width % 5));
                var p = Params(2, 3, h, width, k, s, 0, 0, dil);
                if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0 || !AveragePoolInside.Supports(p))
                {
                    continue;
                }

                cases++;
                int inLen = p.Batch * p.Channels * p.Window.InputSize, outLen = p.Batch * p.Channels * p.Window.OutputSize;
                var x = SgemmTests.RandomArray(rng, inLen);
                var ye = new float[outLen];
                var yg = new float[outLen];
                fixed (float* xp = x, yep = ye, ygp = yg)
                {
                    AveragePoolReference.Run(p, xp, yep, countIncludePad: cases % 2 == 0, 1);
                    new AveragePoolInside(p, 2).Run(new Planning.KernelArgs(
                        [new TensorView(DataType.Float32, [p.Batch, p.Channels, h, width], (nint)xp)],
                        [new TensorView(DataType.Float32, [p.Batch, p.Channels, p.Window.Output[1], p.Window.Output[2]], (nint)ygp)], [], 2));
                }

                for (int i = 0; i < outLen; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(ye[i]) == BitConverter.SingleToInt32Bits(yg[i]), $"W={width} H={h} k={k} s={s} d={dil}: element {i}: expected {ye[i]}, got {yg[i]}");
                }
            }
        }

        Assert.True(cases > 20, $"only {cases} cases ran");
    }

    [Fact]
    public void WholePlaneAveragesOverPlaneGroupsAreBitwiseTheReference()
    {
        var rng = new Random(53);
        foreach (int planes in new[] { 1, 7, 8, 9, 17, 24 })
        {
            foreach (var (h, w) in new[] { (1, 1), (1, 5), (2, 4), (3, 3), (4, 4), (13, 13), (14, 14), (7, 9) })
            {
                int size = h * w;
                var x = SgemmTests.RandomArray(rng, planes * size);
                for (int i = 0; i < x.Length; i += 11)
                {
                    x[i] *= 1e6f;     // sums whose rounding depends on the order
                }

                var expected = new float[planes];
                var global = new float[planes];
                var pooled = new float[planes];
                var p = Params(1, planes, h, w, Math.Min(h, w), 1, 0, 0, 1);
                p = p with { Window = p.Window with { Kernel = [1, h, w], Output = [1, 1, 1] } };
                fixed (float* xp = x, ep = expected, gp = global, pp = pooled)
                {
                    GlobalPoolReference.Average(planes, size, xp, ep);
                    int threads = 1 + (planes % 2);
                    new GlobalAveragePlanes(planes, size, threads).Run(new Planning.KernelArgs(
                        [new TensorView(DataType.Float32, [1, planes, h, w], (nint)xp)], [new TensorView(DataType.Float32, [1, planes, 1, 1], (nint)gp)], [], threads));
                    Assert.True(AveragePoolInside.Supports(p));
                    new AveragePoolInside(p, threads).Run(new Planning.KernelArgs(
                        [new TensorView(DataType.Float32, [1, planes, h, w], (nint)xp)], [new TensorView(DataType.Float32, [1, planes, 1, 1], (nint)pp)], [], threads));
                }

                for (int i = 0; i < planes; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(global[i]), $"global {planes}x{h}x{w}: plane {i}: expected {expected[i]}, got {global[i]}");
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(pooled[i]), $"pool {planes}x{h}x{w}: plane {i}: expected {expected[i]}, got {pooled[i]}");
                }
            }
        }
    }

    private static PoolParams Params(int batch, int channels, int h, int w, int k, int s, int padBegin, int padEnd, int dil)
    {
        int oh = ((h + padBegin + padEnd - (dil * (k - 1)) - 1) / s) + 1;
        int ow = ((w + padBegin + padEnd - (dil * (k - 1)) - 1) / s) + 1;
        return new PoolParams(batch, channels, new WindowGeometry
        {
            SpatialRank = 2, Input = [1, h, w], Output = [1, oh, ow], Kernel = [1, k, k], Strides = [1, s, s],
            Dilations = [1, dil, dil], PadsBegin = [0, padBegin, padBegin], PadsEnd = [0, padEnd, padEnd],
        });
    }
}
