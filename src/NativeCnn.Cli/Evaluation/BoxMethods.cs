using NativeCnn.Fixations.PostProcessing;

namespace NativeCnn.Cli.Evaluation;

/// <summary>One way of turning fixation points into a box (a point of the post-processing sweep).</summary>
public abstract record BoxMethod(string Name)
{
    public abstract Box? Apply(IReadOnlyList<ImagePoint> points, int width, int height, HeatMapCache heat);
}

/// <summary>The reference post-processing: drop outliers (fewer than <c>Fraction</c> of all points within
/// <c>Radius</c> × diagonal), tight box around the rest.</summary>
public sealed record OutlierBox(double Radius, double Fraction)
    : BoxMethod(FormattableString.Invariant($"outliers r={Radius:0.00} f={Fraction:0.00}"))
{
    public override Box? Apply(IReadOnlyList<ImagePoint> points, int width, int height, HeatMapCache heat)
    {
        var post = new FixationPostProcessor { RadiusFraction = Radius, NeighbourFraction = Fraction };
        var (kept, _) = post.RemoveOutliers(points, width, height);
        return FixationPostProcessor.Box(kept) is { } b ? Box.FromPixels(b) : null;
    }
}

/// <summary>
/// A heat-map box: the heat map of all points (Gaussian σ = <see cref="HeatMapCache.SigmaFraction"/> × the longer
/// side), pixels ≥ <c>Threshold</c> × max; the tight box of the largest 8-connected component of them, or of all of them.
/// </summary>
public sealed record HeatMapBox(double Threshold, bool LargestComponent)
    : BoxMethod(FormattableString.Invariant($"heat ≥ {Threshold:0.0} {(LargestComponent ? "largest component" : "all pixels")}"))
{
    public override Box? Apply(IReadOnlyList<ImagePoint> points, int width, int height, HeatMapCache heat)
    {
        var map = heat.Get(points, width, height);
        return ThresholdBox(map, width, height, (float)Threshold, LargestComponent);
    }

    /// <summary>The box (continuous, whole pixels) of pixels with value ≥ t (all of them, or the largest 8-connected component).</summary>
    public static Box? ThresholdBox(float[] map, int width, int height, float t, bool largestComponent)
    {
        if (!largestComponent)
        {
            int x0 = int.MaxValue, y0 = int.MaxValue, x1 = -1, y1 = -1;
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    if (map[(y * width) + x] >= t && map[(y * width) + x] > 0)
                    {
                        (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                    }
                }
            }

            return x1 < 0 ? null : Box.FromInclusive(x0, y0, x1, y1);
        }

        var label = new int[map.Length];
        var stack = new Stack<int>();
        int bestSize = 0;
        Box? best = null;
        int next = 0;
        for (int i = 0; i < map.Length; i++)
        {
            if (label[i] != 0 || !(map[i] >= t && map[i] > 0))
            {
                continue;
            }

            next++;
            int size = 0, bx0 = int.MaxValue, by0 = int.MaxValue, bx1 = -1, by1 = -1;
            label[i] = next;
            stack.Push(i);
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                int px = p % width, py = p / width;
                size++;
                (bx0, by0, bx1, by1) = (Math.Min(bx0, px), Math.Min(by0, py), Math.Max(bx1, px), Math.Max(by1, py));
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int qx = px + dx, qy = py + dy;
                        if (qx < 0 || qy < 0 || qx >= width || qy >= height)
                        {
                            continue;
                        }

                        int q = (qy * width) + qx;
                        if (label[q] == 0 && map[q] >= t && map[q] > 0)
                        {
                            label[q] = next;
                            stack.Push(q);
                        }
                    }
                }
            }

            if (size > bestSize)
            {
                bestSize = size;
                best = Box.FromInclusive(bx0, by0, bx1, by1);
            }
        }

        return best;
    }
}

/// <summary>The heat map of the last point set asked for (several thresholds share one blur).</summary>
public sealed class HeatMapCache
{
    /// <summary>σ of the heat map as a fraction of the longer image side: 0.04 gives the reference code's 20 px on a 500-px image.</summary>
    public const double SigmaFraction = 0.04;

    private IReadOnlyList<ImagePoint>? _points;
    private float[]? _map;

    public float[] Get(IReadOnlyList<ImagePoint> points, int width, int height)
    {
        if (!ReferenceEquals(points, _points) || _map is null || _map.Length != width * height)
        {
            _map = new FixationPostProcessor { Sigma = SigmaFraction * Math.Max(width, height) }.HeatMap(points, width, height);
            _points = points;
        }

        return _map;
    }
}

/// <summary>The grids of the sweep.</summary>
public static class SweepGrid
{
    public static readonly double[] Radii = [0.05, 0.10, 0.20];
    public static readonly double[] Fractions = [0.0, 0.02, 0.05, 0.10];
    public static readonly double[] Thresholds = [0.2, 0.3, 0.5];

    /// <summary>Centred-box sizes (fraction of each side): 0.30, 0.35, …, 1.00.</summary>
    public static readonly double[] CentreFractions = Enumerable.Range(6, 15).Select(i => i * 0.05).ToArray();

    public static readonly OutlierBox Reference = new(0.10, 0.05);

    public static IReadOnlyList<BoxMethod> Outliers { get; } =
        Radii.SelectMany(r => Fractions.Select(f => (BoxMethod)new OutlierBox(r, f))).ToList();

    public static IReadOnlyList<BoxMethod> HeatMaps { get; } =
        Thresholds.SelectMany(t => new[] { true, false }.Select(c => (BoxMethod)new HeatMapBox(t, c))).ToList();

    public static IReadOnlyList<BoxMethod> All { get; } = [.. Outliers, .. HeatMaps];
}
