namespace NativeCnn.Fixations.PostProcessing;

/// <summary>A point in original-image pixels (x to the right, y down).</summary>
public readonly record struct ImagePoint(double X, double Y);

/// <summary>A box in pixels, inclusive on both ends.</summary>
public readonly record struct PixelBox(int X0, int Y0, int X1, int Y1)
{
    public int Width => X1 - X0 + 1;

    public int Height => Y1 - Y0 + 1;

    /// <summary>Intersection over union of two inclusive pixel boxes.</summary>
    public double IoU(PixelBox other)
    {
        int ix = Math.Min(X1, other.X1) - Math.Max(X0, other.X0) + 1;
        int iy = Math.Min(Y1, other.Y1) - Math.Max(Y0, other.Y0) + 1;
        if (ix <= 0 || iy <= 0)
        {
            return 0;
        }

        double inter = (double)ix * iy;
        return inter / (((double)Width * Height) + ((double)other.Width * other.Height) - inter);
    }
}

/// <summary>The outcome of <see cref="FixationPostProcessor.Process"/>.</summary>
public sealed record PostProcessed(IReadOnlyList<ImagePoint> Kept, IReadOnlyList<ImagePoint> Outliers, float[] HeatMap, int Width, int Height, PixelBox? Box);

/// <summary>
/// Turns fixation points (already mapped to original-image pixels by the caller) into what is shown and scored:
/// outlier removal, a Gaussian heat map, a tight box. Defaults are the reference code's.
/// </summary>
public sealed record FixationPostProcessor
{
    /// <summary>A point is kept only if more than this fraction of all points lie within <see cref="RadiusFraction"/>. Default 0.05.</summary>
    public double NeighbourFraction { get; init; } = 0.05;

    /// <summary>The neighbourhood radius as a fraction of the image diagonal. Default 0.10.</summary>
    public double RadiusFraction { get; init; } = 0.10;

    /// <summary>Standard deviation of the heat map's Gaussian, in original-image pixels. Default 20.</summary>
    public double Sigma { get; init; } = 20;

    /// <summary>The Gaussian kernel is cut at this many σ (scipy.ndimage's default, 4).</summary>
    public double Truncate { get; init; } = 4;

    /// <summary>Outlier removal, heat map over the kept points, and the box around them.</summary>
    public PostProcessed Process(IReadOnlyList<ImagePoint> points, int width, int height)
    {
        var (kept, outliers) = RemoveOutliers(points, width, height);
        return new PostProcessed(kept, outliers, HeatMap(kept, width, height), width, height, Box(kept));
    }

    /// <summary>
    /// Splits points into kept and outliers: a point is kept iff the number of points (itself included) at
    /// Euclidean distance ≤ <see cref="RadiusFraction"/> × image diagonal is more than
    /// <see cref="NeighbourFraction"/> × the number of points. O(n²), fine for the thousands of points a backtrack gives.
    /// </summary>
    public (List<ImagePoint> Kept, List<ImagePoint> Outliers) RemoveOutliers(IReadOnlyList<ImagePoint> points, int width, int height)
    {
        double radius = RadiusFraction * Math.Sqrt(((double)width * width) + ((double)height * height));
        double r2 = radius * radius;
        double need = NeighbourFraction * points.Count;
        var kept = new List<ImagePoint>();
        var outliers = new List<ImagePoint>();
        foreach (var p in points)
        {
            int near = 0;
            foreach (var q in points)
            {
                double dx = p.X - q.X, dy = p.Y - q.Y;
                if ((dx * dx) + (dy * dy) <= r2)
                {
                    near++;
                }
            }

            (near > need ? kept : outliers).Add(p);
        }

        return (kept, outliers);
    }

    /// <summary>
    /// The point-count image (each point adds 1 to the pixel containing it, round(x), round(y), clamped into the
    /// image), blurred with a separable Gaussian of σ = <see cref="Sigma"/> truncated at <see cref="Truncate"/>·σ
    /// (borders mirrored as scipy.ndimage's 'reflect' mode), scaled so that its maximum is 1 (all zeros if there are
    /// no points). Row-major, <c>height × width</c>.
    /// <para>Computed by scattering each point's kernel rather than blurring every pixel: the points are few, so the
    /// cost is (rows with points) × kernel × width instead of width × height × kernel (seconds on a 12-megapixel
    /// photo). Each pixel is the same sum of kernel products as the dense blur, in another order.</para>
    /// </summary>
    public float[] HeatMap(IReadOnlyList<ImagePoint> points, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var kernel = GaussianKernel(Sigma, Truncate);
        int radius = kernel.Length / 2;

        // Horizontal pass, row by row, only for rows that hold points: tmp[y, x] = Σ_k kernel[k]·count[y, reflect(x + k)],
        // scattered from each point p as tmp[y, x] += kernel[v − x]·1 for every virtual column v that reflects onto p.
        var counts = new SortedDictionary<int, Dictionary<int, int>>();
        foreach (var p in points)
        {
            int x = Math.Clamp(Pixel(p.X), 0, width - 1);
            int y = Math.Clamp(Pixel(p.Y), 0, height - 1);
            if (!counts.TryGetValue(y, out var row))
            {
                counts[y] = row = [];
            }

            row[x] = row.GetValueOrDefault(x) + 1;
        }

        var rows = new Dictionary<int, double[]>();
        foreach (var (y, row) in counts)
        {
            var tmp = new double[width];
            foreach (var (x0, n) in row)
            {
                Scatter(tmp, x0, n, width, kernel, radius);
            }

            rows[y] = tmp;
        }

        // Vertical pass: out[y, x] = Σ_k kernel[k]·tmp[reflect(y + k), x], scattered from each source row.
        var img = new double[(long)width * height];
        foreach (var (r, tmp) in rows)
        {
            // Virtual rows v = y + k reach from −radius to height − 1 + radius.
            for (int v = -radius; v < height + radius; v++)
            {
                if (Reflect(v, height) != r)
                {
                    continue;
                }

                for (int k = -radius; k <= radius; k++)
                {
                    int y = v - k;
                    if (y < 0 || y >= height)
                    {
                        continue;
                    }

                    double kv = kernel[k + radius];
                    var outRow = img.AsSpan(y * width, width);
                    for (int x = 0; x < width; x++)
                    {
                        outRow[x] += kv * tmp[x];
                    }
                }
            }
        }

        double max = 0;
        foreach (double v in img)
        {
            max = Math.Max(max, v);
        }

        var result = new float[img.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = max > 0 ? (float)(img[i] / max) : 0f;
        }

        return result;
    }

    /// <summary>Adds <paramref name="n"/>·kernel[v − x] to tmp[x] for every virtual index v (within the kernel's reach) that reflects onto <paramref name="x0"/>.</summary>
    private static void Scatter(double[] tmp, int x0, int n, int width, double[] kernel, int radius)
    {
        for (int v = -radius; v < width + radius; v++)
        {
            if (Reflect(v, width) != x0)
            {
                continue;
            }

            for (int k = -radius; k <= radius; k++)
            {
                int x = v - k;
                if (x >= 0 && x < width)
                {
                    tmp[x] += n * kernel[k + radius];
                }
            }
        }
    }

    /// <summary>The pixel containing a coordinate: pixel centres are at integers.</summary>
    private static int Pixel(double v) => (int)Math.Round(v, MidpointRounding.AwayFromZero);

    /// <summary>
    /// The tight box (inclusive, whole pixels) around the points, or null when there are none. Pixel centres are at
    /// integer coordinates (the convention of the image geometry), so a point lies in pixel <c>round(x)</c>.
    /// </summary>
    public static PixelBox? Box(IReadOnlyList<ImagePoint> points)
    {
        if (points.Count == 0)
        {
            return null;
        }

        return new PixelBox(
            Pixel(points.Min(p => p.X)), Pixel(points.Min(p => p.Y)),
            Pixel(points.Max(p => p.X)), Pixel(points.Max(p => p.Y)));
    }

    /// <summary>Normalised 1-D Gaussian weights <c>exp(−k²/2σ²)</c> for <c>|k| ≤ ⌊truncate·σ + 0.5⌋</c>.</summary>
    public static double[] GaussianKernel(double sigma, double truncate)
    {
        if (sigma <= 0)
        {
            return [1.0];
        }

        int radius = (int)((truncate * sigma) + 0.5);
        var k = new double[(2 * radius) + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            k[i + radius] = Math.Exp(-(i * i) / (2 * sigma * sigma));
            sum += k[i + radius];
        }

        for (int i = 0; i < k.Length; i++)
        {
            k[i] /= sum;
        }

        return k;
    }

    /// <summary>Half-sample mirror (d c b a | a b c d | d c b a), repeated for offsets beyond one period.</summary>
    private static int Reflect(int i, int n)
    {
        int period = 2 * n;
        i %= period;
        if (i < 0)
        {
            i += period;
        }

        return i < n ? i : period - 1 - i;
    }
}
