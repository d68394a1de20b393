using NativeCnn.Fixations.PostProcessing;

namespace NativeCnn.Fixations.Tests;

public sealed class PostProcessingTests
{
    [Fact]
    public void IsolatedPointsAreOutliersClusteredPointsAreKept()
    {
        // 100×100 image: diagonal 141.4, radius 14.1; 30 points in a 5×6 cluster, 1 far away.
        var pts = new List<ImagePoint>();
        for (int y = 0; y < 5; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                pts.Add(new ImagePoint(20 + x, 30 + y));
            }
        }

        pts.Add(new ImagePoint(90, 90));
        var (kept, outliers) = new FixationPostProcessor().RemoveOutliers(pts, 100, 100);
        Assert.Equal(30, kept.Count);
        Assert.Equal([new ImagePoint(90, 90)], outliers);
        // With a 1 % threshold one point (itself, 1 > 0.31) is enough: nothing is an outlier.
        Assert.Empty(new FixationPostProcessor { NeighbourFraction = 0.01 }.RemoveOutliers(pts, 100, 100).Outliers);
    }

    [Fact]
    public void HeatMapPeaksAtThePointAndIsSymmetric()
    {
        var pp = new FixationPostProcessor { Sigma = 3 };
        var map = pp.HeatMap([new ImagePoint(20.4, 15.1)], 41, 31);
        Assert.Equal(1f, map.Max());
        Assert.Equal(1f, map[(15 * 41) + 20]);
        Assert.Equal(map[(15 * 41) + 17], map[(15 * 41) + 23], 6);
        Assert.Equal(map[(12 * 41) + 20], map[(18 * 41) + 20], 6);
        // exp(−1/2) at one σ.
        Assert.Equal(Math.Exp(-0.5), map[(15 * 41) + 23], 3);
        Assert.All(pp.HeatMap([], 5, 5), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void GaussianKernelIsNormalisedAndTruncatedAtFourSigma()
    {
        var k = FixationPostProcessor.GaussianKernel(20, 4);
        Assert.Equal(161, k.Length);
        Assert.Equal(1.0, k.Sum(), 12);
    }

    [Fact]
    public void BoxIsTightAroundKeptPoints()
    {
        var r = new FixationPostProcessor().Process(
            [new ImagePoint(10, 12), new ImagePoint(14.7, 11), new ImagePoint(12, 19), new ImagePoint(11, 15)], 64, 64);
        // Pixel centres are at integers: x = 14.7 lies in pixel 15.
        Assert.Equal(new PixelBox(10, 11, 15, 19), r.Box);
        Assert.Null(FixationPostProcessor.Box([]));
        Assert.Equal(1.0, new PixelBox(0, 0, 9, 9).IoU(new PixelBox(0, 0, 9, 9)));
        Assert.Equal(50.0 / 150.0, new PixelBox(0, 0, 9, 9).IoU(new PixelBox(5, 0, 14, 9)), 12);
    }

    /// <summary>
    /// The sparse heat map equals the plain dense blur (every pixel: Σ kernel × reflected count, horizontal then
    /// vertical) on random point sets, including images narrower than the kernel (several reflections) and points
    /// on the borders.
    /// </summary>
    [Theory]
    [InlineData(64, 48, 5.0, 30, 1)]
    [InlineData(17, 9, 4.0, 12, 2)]
    [InlineData(200, 120, 20.0, 150, 3)]
    [InlineData(5, 300, 3.0, 20, 4)]
    public void HeatMapEqualsTheDenseBlur(int width, int height, double sigma, int count, int seed)
    {
        var rng = new Random(seed);
        var pts = Enumerable.Range(0, count).Select(i => i % 5 == 0
            ? new ImagePoint(rng.Next(2) * (width - 1), rng.NextDouble() * (height - 1))
            : new ImagePoint(rng.NextDouble() * (width - 1), rng.NextDouble() * (height - 1))).ToList();
        var pp = new FixationPostProcessor { Sigma = sigma };
        var fast = pp.HeatMap(pts, width, height);
        var dense = DenseHeatMap(pts, width, height, FixationPostProcessor.GaussianKernel(sigma, pp.Truncate));
        for (int i = 0; i < fast.Length; i++)
        {
            Assert.True(Math.Abs(fast[i] - dense[i]) <= 1e-6, $"pixel {i}: {fast[i]} vs dense {dense[i]}");
        }
    }

    private static float[] DenseHeatMap(IReadOnlyList<ImagePoint> points, int w, int h, double[] kernel)
    {
        static int Reflect(int i, int n)
        {
            int period = 2 * n;
            i %= period;
            i = i < 0 ? i + period : i;
            return i < n ? i : period - 1 - i;
        }

        var img = new double[w * h];
        foreach (var p in points)
        {
            img[(Math.Clamp((int)Math.Round(p.Y, MidpointRounding.AwayFromZero), 0, h - 1) * w) + Math.Clamp((int)Math.Round(p.X, MidpointRounding.AwayFromZero), 0, w - 1)] += 1;
        }

        int r = kernel.Length / 2;
        var tmp = new double[w * h];
        var res = new double[w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int k = -r; k <= r; k++)
                {
                    tmp[(y * w) + x] += kernel[k + r] * img[(y * w) + Reflect(x + k, w)];
                }
            }
        }

        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int k = -r; k <= r; k++)
                {
                    res[(y * w) + x] += kernel[k + r] * tmp[(Reflect(y + k, h) * w) + x];
                }
            }
        }

        double max = res.Max();
        return res.Select(v => max > 0 ? (float)(v / max) : 0f).ToArray();
    }
}
