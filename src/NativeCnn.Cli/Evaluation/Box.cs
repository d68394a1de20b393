using NativeCnn.Fixations.PostProcessing;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// An axis-aligned box in continuous image coordinates, [X1, X2) × [Y1, Y2) (a pixel (i, j) covers [i, i+1) × [j, j+1)).
/// Inclusive integer pixel boxes (the ILSVRC ground truth in original pixels, the CNN-Fixations authors' boxes,
/// <see cref="PixelBox"/>) become continuous through <see cref="FromInclusive"/>: [x1, x2 + 1) — which makes the
/// continuous IoU equal to the devkit's "+1" IoU.
/// </summary>
public readonly record struct Box(double X1, double Y1, double X2, double Y2)
{
    public double Width => Math.Max(0, X2 - X1);

    public double Height => Math.Max(0, Y2 - Y1);

    public double Area => Width * Height;

    public static Box FromInclusive(double x1, double y1, double x2, double y2) => new(x1, y1, x2 + 1, y2 + 1);

    public static Box FromPixels(PixelBox b) => FromInclusive(b.X0, b.Y0, b.X1, b.Y1);

    /// <summary>The centred box covering <paramref name="fraction"/> of each side of a W×H frame.</summary>
    public static Box Centred(double width, double height, double fraction) =>
        new((1 - fraction) * width / 2, (1 - fraction) * height / 2, (1 + fraction) * width / 2, (1 + fraction) * height / 2);

    public static Box Full(double width, double height) => new(0, 0, width, height);

    /// <summary>IoU = |A ∩ B| / (|A| + |B| − |A ∩ B|); 0 when the union is empty.</summary>
    public double IoU(Box other)
    {
        double iw = Math.Min(X2, other.X2) - Math.Max(X1, other.X1);
        double ih = Math.Min(Y2, other.Y2) - Math.Max(Y1, other.Y1);
        if (iw <= 0 || ih <= 0)
        {
            return 0;
        }

        double inter = iw * ih;
        double union = Area + other.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>This box with x scaled by <paramref name="sx"/> and y by <paramref name="sy"/> (a change of frame).</summary>
    public Box Scale(double sx, double sy) => new(X1 * sx, Y1 * sy, X2 * sx, Y2 * sy);

    public override string ToString() => FormattableString.Invariant($"[{X1:0.##},{Y1:0.##},{X2:0.##},{Y2:0.##}]");
}
