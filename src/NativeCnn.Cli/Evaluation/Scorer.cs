namespace NativeCnn.Cli.Evaluation;

/// <summary>How one predicted (class, box) fares against an image's ground truth.</summary>
/// <param name="ClassCorrect">top-1 class equals the ground-truth class</param>
/// <param name="BestIoU">largest IoU of the box with any ground-truth box (0 without a box)</param>
public readonly record struct ImageScore(bool ClassCorrect, double BestIoU)
{
    /// <summary>The localization threshold of ILSVRC: IoU ≥ 0.5.</summary>
    public const double IoUThreshold = 0.5;

    /// <summary>GT-known localization: the box alone hits some ground-truth box.</summary>
    public bool BoxHit => BestIoU >= IoUThreshold;

    /// <summary>Top-1 localization: the class is right and the box hits a ground-truth box of that class.</summary>
    public bool Top1Loc => ClassCorrect && BoxHit;
}

/// <summary>
/// The ILSVRC localization scorer. Every ground-truth box of a CLS-LOC validation image is of the image's one
/// class, so "a ground-truth box of that class" is "any of the image's boxes" once the class is right.
/// </summary>
public static class Scorer
{
    public static ImageScore Score(int predictedClass, Box? box, int trueClass, IReadOnlyList<Box> truth)
    {
        double best = 0;
        if (box is { } b)
        {
            foreach (var g in truth)
            {
                best = Math.Max(best, b.IoU(g));
            }
        }

        return new ImageScore(predictedClass == trueClass, best);
    }

    /// <summary>Fractions over a set of scores: top-1 classification error, top-1 localization error, GT-known accuracy.</summary>
    public static Rates Rates(IReadOnlyCollection<ImageScore> scores)
    {
        int n = scores.Count;
        if (n == 0)
        {
            return new Rates(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new Rates(n,
            1.0 - ((double)scores.Count(s => s.ClassCorrect) / n),
            1.0 - ((double)scores.Count(s => s.Top1Loc) / n),
            (double)scores.Count(s => s.BoxHit) / n,
            scores.Average(s => s.BestIoU));
    }
}

/// <summary>Aggregates over <see cref="Images"/> scored images (fractions in [0, 1]).</summary>
public sealed record Rates(int Images, double Top1ClsError, double Top1LocError, double GtKnownAccuracy, double MeanBestIoU);
