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
        var map = pp.HeatMap([new ImagePoint(20.4, 15.9)], 41, 31);
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
}
