using NativeCnn.Cli.Evaluation;
using NativeCnn.Fixations.PostProcessing;

namespace NativeCnn.Cli.Tests;

public class EvaluationScorerTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void IoUOfIdenticalBoxesIsOne() => Assert.Equal(1.0, new Box(3, 4, 10, 12).IoU(new Box(3, 4, 10, 12)), Tolerance);

    [Fact]
    public void IoUOfDisjointAndTouchingBoxesIsZero()
    {
        Assert.Equal(0.0, new Box(0, 0, 2, 2).IoU(new Box(5, 5, 6, 6)));
        Assert.Equal(0.0, new Box(0, 0, 2, 2).IoU(new Box(2, 0, 4, 2))); // shares an edge only
        Assert.Equal(0.0, new Box(0, 0, 2, 2).IoU(new Box(2, 2, 4, 4))); // shares a corner only
    }

    [Fact]
    public void IoUOfHalfShiftedSquaresIsOneThird() =>
        Assert.Equal(1.0 / 3.0, new Box(0, 0, 2, 2).IoU(new Box(1, 0, 3, 2)), Tolerance); // ∩ 2, ∪ 6

    [Fact]
    public void IoUOfContainedBoxIsAreaRatio() =>
        Assert.Equal(0.25, new Box(0, 0, 4, 4).IoU(new Box(1, 1, 3, 3)), Tolerance);

    [Fact]
    public void DegenerateBoxesHaveZeroIoU()
    {
        Assert.Equal(0.0, new Box(1, 1, 1, 5).IoU(new Box(0, 0, 4, 4)));
        Assert.Equal(0.0, new Box(1, 1, 1, 1).IoU(new Box(1, 1, 1, 1)));
    }

    [Fact]
    public void InclusivePixelBoxesFollowTheDevkitPlusOne()
    {
        // devkit: [0..1]×[0..1] vs [1..2]×[0..1] inclusive: ∩ 1×2 = 2, ∪ 4 + 4 − 2 = 6
        Assert.Equal(1.0 / 3.0, Box.FromInclusive(0, 0, 1, 1).IoU(Box.FromInclusive(1, 0, 2, 1)), Tolerance);
        Assert.Equal(1.0, Box.FromInclusive(5, 5, 5, 5).Area);
        Assert.Equal(Box.FromInclusive(2, 3, 7, 9), Box.FromPixels(new PixelBox(2, 3, 7, 9)));
    }

    [Fact]
    public void IoUExactlyOneHalfIsAHit()
    {
        var s = Scorer.Score(1, new Box(0, 0, 2, 1), 1, [new Box(0, 0, 1, 1)]); // ∩ 1, ∪ 2
        Assert.Equal(0.5, s.BestIoU, Tolerance);
        Assert.True(s.BoxHit);
        Assert.True(s.Top1Loc);
        var below = Scorer.Score(1, new Box(0, 0, 2.0001, 1), 1, [new Box(0, 0, 1, 1)]);
        Assert.False(below.BoxHit);
    }

    [Fact]
    public void SeveralTruthBoxesTakeTheBest()
    {
        var truth = new[] { new Box(0, 0, 10, 10), new Box(50, 50, 60, 60), new Box(100, 100, 120, 120) };
        var s = Scorer.Score(7, new Box(52, 50, 60, 60), 7, truth); // 0.8 with the second box
        Assert.Equal(0.8, s.BestIoU, Tolerance);
        Assert.True(s.Top1Loc);
        Assert.False(Scorer.Score(7, new Box(30, 30, 40, 40), 7, truth).BoxHit);
    }

    [Fact]
    public void WrongClassKeepsTheBoxButFailsTop1Localization()
    {
        var s = Scorer.Score(3, new Box(0, 0, 10, 10), 4, [new Box(0, 0, 10, 10)]);
        Assert.False(s.ClassCorrect);
        Assert.True(s.BoxHit);
        Assert.False(s.Top1Loc);
    }

    [Fact]
    public void NoBoxIsAMiss()
    {
        var s = Scorer.Score(1, null, 1, [new Box(0, 0, 10, 10)]);
        Assert.Equal(0.0, s.BestIoU);
        Assert.False(s.Top1Loc);
    }

    [Fact]
    public void RatesCountEachOutcome()
    {
        var r = Scorer.Rates([new ImageScore(true, 0.9), new ImageScore(false, 0.7), new ImageScore(true, 0.2), new ImageScore(false, 0.1)]);
        Assert.Equal(4, r.Images);
        Assert.Equal(0.5, r.Top1ClsError, Tolerance);
        Assert.Equal(0.75, r.Top1LocError, Tolerance); // only the first is class-right and IoU ≥ 0.5
        Assert.Equal(0.5, r.GtKnownAccuracy, Tolerance);
        Assert.Equal(0.475, r.MeanBestIoU, Tolerance);
    }

    [Fact]
    public void CentredBoxCoversTheGivenFractionOfEachSide()
    {
        var b = Box.Centred(200, 100, 0.75);
        Assert.Equal(new Box(25, 12.5, 175, 87.5), b);
        Assert.Equal(0.75 * 0.75, b.Area / Box.Full(200, 100).Area, Tolerance);
    }

    [Fact]
    public void HeatMapBoxTakesTheLargestComponentOrAllPixels()
    {
        // 8×4 map: a 3×2 blob at x 0..2, y 0..1 and a single pixel at (6, 3); 8-connected diagonal joins count
        var map = new float[8 * 4];
        foreach (var (x, y) in new[] { (0, 0), (1, 0), (2, 0), (0, 1), (1, 1), (2, 1), (6, 3), (3, 2) })
        {
            map[(y * 8) + x] = 1f;
        }

        Assert.Equal(Box.FromInclusive(0, 0, 3, 2), HeatMapBox.ThresholdBox(map, 8, 4, 0.5f, largestComponent: true));
        Assert.Equal(Box.FromInclusive(0, 0, 6, 3), HeatMapBox.ThresholdBox(map, 8, 4, 0.5f, largestComponent: false));
        Assert.Null(HeatMapBox.ThresholdBox(new float[32], 8, 4, 0.5f, largestComponent: true));
    }

    [Fact]
    public void OutlierBoxWithZeroFractionKeepsEveryPoint()
    {
        var pts = new List<ImagePoint> { new(1, 1), new(2, 2), new(90, 90) };
        Assert.Equal(Box.FromInclusive(1, 1, 90, 90), new OutlierBox(0.05, 0).Apply(pts, 100, 100, new HeatMapCache()));
        // with f = 0.5 a point needs more than 1.5 points (itself included) within 7.07 px: the far one goes
        Assert.Equal(Box.FromInclusive(1, 1, 2, 2), new OutlierBox(0.05, 0.5).Apply(pts, 100, 100, new HeatMapCache()));
    }
}
