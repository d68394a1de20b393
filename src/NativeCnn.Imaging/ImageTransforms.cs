namespace NativeCnn.Imaging;

/// <summary>Geometric transforms that move whole pixels.</summary>
public static class ImageTransforms
{
    /// <summary>
    /// Applies an EXIF orientation (TIFF tag 0x0112) so that the result is upright:
    /// 1 as is, 2 mirror left-right, 3 rotate 180°, 4 mirror top-bottom, 5 transpose, 6 rotate 90° clockwise,
    /// 7 transverse, 8 rotate 90° counter-clockwise. Other values return the image unchanged.
    /// </summary>
    public static Image ApplyExifOrientation(Image src, int orientation)
    {
        if (orientation is < 2 or > 8)
        {
            return src;
        }

        int w = src.Width, h = src.Height, ch = src.Channels;
        bool swap = orientation >= 5;
        int ow = swap ? h : w, oh = swap ? w : h;
        var dst = new byte[src.Pixels.Length];
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                (int sx, int sy) = orientation switch
                {
                    2 => (w - 1 - x, y),
                    3 => (w - 1 - x, h - 1 - y),
                    4 => (x, h - 1 - y),
                    5 => (y, x),
                    6 => (y, h - 1 - x),
                    7 => (w - 1 - y, h - 1 - x),
                    _ => (w - 1 - y, x),
                };
                Array.Copy(src.Pixels, (sy * w + sx) * ch, dst, (y * ow + x) * ch, ch);
            }
        }

        return new Image(ow, oh, ch, dst);
    }

    /// <summary>Copies the rectangle [x, x+width) × [y, y+height), which must lie inside the image.</summary>
    public static Image Crop(Image src, int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > src.Width || y + height > src.Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"crop {x},{y} {width}x{height} outside {src.Width}x{src.Height}");
        }

        var dst = new byte[width * height * src.Channels];
        for (int r = 0; r < height; r++)
        {
            Array.Copy(src.Pixels, ((y + r) * src.Width + x) * src.Channels, dst, r * width * src.Channels, width * src.Channels);
        }

        return new Image(width, height, src.Channels, dst);
    }

    /// <summary>Mirrors left-right.</summary>
    public static Image FlipHorizontal(Image src) => ApplyExifOrientation(src, 2);
}
