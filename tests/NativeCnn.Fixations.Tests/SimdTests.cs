using NativeCnn.Fixations.Internal;

namespace NativeCnn.Fixations.Tests;

/// <summary>The fast kernels of the rules against their plain scans (run under each ISA tier to cover every path).</summary>
public sealed unsafe class SimdTests
{
    public static TheoryData<int> Lengths() => [1, 7, 63, 64, 255, 256, 257, 511, 1000, 4096, 25088, 25100];

    /// <summary>
    /// Random rows with planted edge cases: ties of the maximum in several lanes and chunks (the first must win), NaN
    /// products (never chosen), −∞ products, ±0 ties, rows whose products are all NaN / −∞ / zero.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void MultiplyArgMaxEqualsThePlainScan(int n)
    {
        var rng = new Random(n);
        var a = new float[n];
        var b = new float[n];
        for (int trial = 0; trial < 60; trial++)
        {
            for (int i = 0; i < n; i++)
            {
                a[i] = rng.NextDouble() < 0.3 ? 0f : (float)rng.NextDouble();
                b[i] = (float)(rng.NextDouble() - 0.5);
            }

            switch (trial % 10)
            {
                case 1:
                    // The maximum planted several times, later copies in lower lanes of later chunks.
                    for (int t = 0; t < 5; t++)
                    {
                        int at = rng.Next(n);
                        a[at] = 2f;
                        b[at] = 3f;
                    }

                    break;
                case 2:
                    for (int t = 0; t < n / 3; t++)
                    {
                        b[rng.Next(n)] = float.NaN;
                    }

                    break;
                case 3:
                    Array.Fill(b, float.NaN);
                    break;
                case 4:
                    Array.Fill(a, float.NegativeInfinity);
                    Array.Fill(b, 1f);
                    b[rng.Next(n)] = float.NaN;
                    break;
                case 5:
                    Array.Fill(a, 0f);
                    for (int i = 0; i < n; i++)
                    {
                        b[i] = rng.Next(2) == 0 ? -1f : 1f;
                    }

                    break;
                case 6:
                    for (int i = 0; i < n; i++)
                    {
                        b[i] = -Math.Abs(b[i]);
                        if (rng.Next(4) == 0)
                        {
                            a[i] = float.PositiveInfinity;
                        }
                    }

                    break;
                case 7:
                    a[rng.Next(n)] = float.PositiveInfinity;
                    b[n - 1] = float.NaN;
                    break;
            }

            fixed (float* ap = a, bp = b)
            {
                Assert.Equal(Simd.MultiplyArgMaxScalar(ap, bp, n), Simd.MultiplyArgMax(ap, bp, n));
            }
        }
    }

    /// <summary>The bitmap of positive products (NaN and ±0 products are not positive), ORed into bits already set.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void MarkPositiveProductsEqualsThePlainScan(int n)
    {
        var rng = new Random(n + 1);
        var a = new float[n];
        var b = new float[n];
        int words = (n + 63) / 64;
        for (int trial = 0; trial < 20; trial++)
        {
            for (int i = 0; i < n; i++)
            {
                a[i] = rng.Next(3) == 0 ? 0f : (float)rng.NextDouble();
                b[i] = rng.Next(10) == 0 ? float.NaN : (float)(rng.NextDouble() - 0.5);
                if (trial % 2 == 1)
                {
                    b[i] = -Math.Abs(b[i]);    // mostly no positive product
                }
            }

            var expected = new ulong[words];
            var actual = new ulong[words];
            for (int w = 0; w < words; w++)
            {
                expected[w] = actual[w] = (ulong)rng.NextInt64() & 0x0101_0101_0101_0101UL;
            }

            bool any = false;
            for (int i = 0; i < n; i++)
            {
                if (a[i] * b[i] > 0)
                {
                    expected[i >> 6] |= 1UL << (i & 63);
                    any = true;
                }
            }

            fixed (float* ap = a, bp = b)
            fixed (ulong* bits = actual)
            {
                Assert.Equal(any, Simd.MarkPositiveProducts(ap, bp, bits, n));
            }

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void MultiplyArgMaxScalarIsTheFirstLargestProduct()
    {
        float[] a = [1, float.NaN, 2, 2, -1];
        float[] b = [1, 5, 1, 1, -2];
        fixed (float* ap = a, bp = b)
        {
            Assert.Equal(2, Simd.MultiplyArgMaxScalar(ap, bp, 5));
            Assert.Equal(0, Simd.MultiplyArgMaxScalar(ap + 1, bp + 1, 1));    // all NaN
        }
    }

    /// <summary>The vector double argmax (the conv rule's channel choice) against the plain scan, with planted edge cases.</summary>
    [Theory]
    [MemberData(nameof(Lengths))]
    public void ArgMaxOfDoublesEqualsThePlainScan(int n)
    {
        var rng = new Random(1000 + n);
        var v = new double[n];
        for (int trial = 0; trial < 80; trial++)
        {
            for (int i = 0; i < n; i++)
            {
                v[i] = rng.NextDouble() < 0.2 ? 0.0 : rng.NextDouble() - 0.5;
            }

            switch (trial % 8)
            {
                case 1:
                    for (int t = 0; t < 4; t++)
                    {
                        v[rng.Next(n)] = 7.0;    // ties of the maximum: the first wins
                    }

                    break;
                case 2:
                    for (int t = 0; t < n / 3 + 1; t++)
                    {
                        v[rng.Next(n)] = double.NaN;
                    }

                    break;
                case 3:
                    Array.Fill(v, double.NaN);
                    break;
                case 4:
                    Array.Fill(v, double.NegativeInfinity);
                    v[rng.Next(n)] = double.NaN;
                    break;
                case 5:
                    for (int i = 0; i < n; i++)
                    {
                        v[i] = rng.Next(3) switch { 0 => -0.0, 1 => 0.0, _ => -1.0 };
                    }

                    break;
                case 6:
                    v[rng.Next(n)] = double.PositiveInfinity;
                    v[n - 1] = double.PositiveInfinity;
                    break;
                case 7:
                    v[n - 1] = 9.0;    // the maximum in the scalar tail
                    break;
            }

            Assert.Equal(Simd.ArgMaxScalar(v), Simd.ArgMax(v));
        }
    }
}
