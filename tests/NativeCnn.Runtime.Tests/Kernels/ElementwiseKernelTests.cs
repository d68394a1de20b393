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
    public void AddSubMulAreBitwiseTheScalarOpsForDenseAndRepeatedOperands()
    {
        var rng = new Random(32);
        for (int n = 0; n <= 70; n++)
        {
            var a = Values(rng, n + 1);
            var b = Values(rng, n + 1);
            for (int op = 0; op < 3; op++)
            {
                foreach (var (sa, sb) in new[] { (1, 1), (1, 0), (0, 1) })
                {
                    var expected = new float[n];
                    for (int i = 0; i < n; i++)
                    {
                        float va = a[i * sa], vb = b[i * sb];
                        expected[i] = op == 0 ? AddOp<float>.Invoke(va, vb) : op == 1 ? SubOp<float>.Invoke(va, vb) : MulOp<float>.Invoke(va, vb);
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
