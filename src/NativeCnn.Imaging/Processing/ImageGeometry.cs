namespace NativeCnn.Imaging.Processing;

/// <summary>
/// Where a network input came from: the original image (OriginalWidth × OriginalHeight) was resized to
/// ResizedWidth × ResizedHeight, then the window [CropX, CropX + CropWidth) × [CropY, CropY + CropHeight) of the
/// resized image was taken (and mirrored left-right when Flipped). Coordinates are continuous with pixel
/// centres at +0.5, the convention of the resizer (Pillow).
/// </summary>
public sealed record ImageGeometry(
    int OriginalWidth, int OriginalHeight, int ResizedWidth, int ResizedHeight,
    int CropX, int CropY, int CropWidth, int CropHeight, bool Flipped = false)
{
    /// <summary>
    /// Maps the centre of network-input pixel (x, y) to continuous original-image pixel coordinates:
    /// x_r = (Flipped ? CropWidth − 1 − x : x) + CropX, x_o = (x_r + 0.5)·OriginalWidth/ResizedWidth − 0.5 (same for y).
    /// </summary>
    public (double X, double Y) ToOriginal(double x, double y)
    {
        double xr = (Flipped ? CropWidth - 1 - x : x) + CropX;
        double yr = y + CropY;
        return ((xr + 0.5) * OriginalWidth / ResizedWidth - 0.5, (yr + 0.5) * OriginalHeight / ResizedHeight - 0.5);
    }

    /// <summary>The original-image pixel containing the centre of network-input pixel (x, y), clamped to the image.</summary>
    public (int X, int Y) ToOriginalPixel(int x, int y)
    {
        (double ox, double oy) = ToOriginal(x, y);
        return (Math.Clamp((int)Math.Floor(ox + 0.5), 0, OriginalWidth - 1), Math.Clamp((int)Math.Floor(oy + 0.5), 0, OriginalHeight - 1));
    }

    /// <summary>The inverse of <see cref="ToOriginal"/>: original-image coordinates to network-input coordinates
    /// (may fall outside the crop).</summary>
    public (double X, double Y) FromOriginal(double x, double y)
    {
        double xr = (x + 0.5) * ResizedWidth / OriginalWidth - 0.5 - CropX;
        double yr = (y + 0.5) * ResizedHeight / OriginalHeight - 0.5 - CropY;
        return (Flipped ? CropWidth - 1 - xr : xr, yr);
    }
}
