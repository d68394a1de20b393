namespace NativeCnn.Imaging.Drawing;

/// <summary>In-place drawing on RGB or RGBA images (alpha set to 255 where drawn); grey images get the luma.
/// Everything is clipped to the image.</summary>
public static class Draw
{
    public static void SetPixel(Image img, int x, int y, Rgb c)
    {
        if ((uint)x >= (uint)img.Width || (uint)y >= (uint)img.Height)
        {
            return;
        }

        int o = (y * img.Width + x) * img.Channels;
        if (img.Channels == 1)
        {
            img.Pixels[o] = (byte)((c.R * 19595 + c.G * 38470 + c.B * 7471 + 32768) >> 16);
            return;
        }

        img.Pixels[o] = c.R;
        img.Pixels[o + 1] = c.G;
        img.Pixels[o + 2] = c.B;
        if (img.Channels == 4)
        {
            img.Pixels[o + 3] = 255;
        }
    }

    /// <summary>Every pixel whose centre lies within <paramref name="radius"/> of (cx, cy): (x−cx)² + (y−cy)² ≤ r².</summary>
    public static void FilledCircle(Image img, int cx, int cy, int radius, Rgb c)
    {
        for (int y = cy - radius; y <= cy + radius; y++)
        {
            for (int x = cx - radius; x <= cx + radius; x++)
            {
                if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= radius * radius)
                {
                    SetPixel(img, x, y, c);
                }
            }
        }
    }

    /// <summary>Axis-aligned filled rectangle covering x1..x2, y1..y2 inclusive.</summary>
    public static void FilledRectangle(Image img, int x1, int y1, int x2, int y2, Rgb c)
    {
        (x1, x2) = (Math.Max(Math.Min(x1, x2), 0), Math.Min(Math.Max(x1, x2), img.Width - 1));
        (y1, y2) = (Math.Max(Math.Min(y1, y2), 0), Math.Min(Math.Max(y1, y2), img.Height - 1));
        for (int y = y1; y <= y2; y++)
        {
            for (int x = x1; x <= x2; x++)
            {
                SetPixel(img, x, y, c);
            }
        }
    }

    /// <summary>Outline of the box x1..x2 × y1..y2 (inclusive), drawn inwards with the given thickness.</summary>
    public static void Rectangle(Image img, int x1, int y1, int x2, int y2, Rgb c, int thickness = 1)
    {
        (x1, x2) = (Math.Min(x1, x2), Math.Max(x1, x2));
        (y1, y2) = (Math.Min(y1, y2), Math.Max(y1, y2));
        int t = Math.Max(1, thickness) - 1;
        FilledRectangle(img, x1, y1, x2, Math.Min(y1 + t, y2), c);
        FilledRectangle(img, x1, Math.Max(y2 - t, y1), x2, y2, c);
        FilledRectangle(img, x1, y1, Math.Min(x1 + t, x2), y2, c);
        FilledRectangle(img, Math.Max(x2 - t, x1), y1, x2, y2, c);
    }

    /// <summary>
    /// Text in the built-in 5×7 font (<see cref="BitmapFont"/>), each glyph in a 6×8 cell magnified by
    /// <paramref name="scale"/>, top-left at (x, y); with a background, a box with 2·scale pixels of padding is
    /// filled first. Characters outside ASCII 32..126 draw as '?'. Returns the width and height of the label box.
    /// </summary>
    public static (int Width, int Height) Text(Image img, int x, int y, string text, Rgb colour, Rgb? background = null, int scale = 1)
    {
        scale = Math.Max(1, scale);
        int pad = 2 * scale;
        int w = text.Length * BitmapFont.CellWidth * scale + 2 * pad;
        int h = BitmapFont.CellHeight * scale + 2 * pad;
        if (background is Rgb bg)
        {
            FilledRectangle(img, x, y, x + w - 1, y + h - 1, bg);
        }

        for (int i = 0; i < text.Length; i++)
        {
            int gx = x + pad + i * BitmapFont.CellWidth * scale;
            for (int col = 0; col < BitmapFont.GlyphWidth; col++)
            {
                byte bits = BitmapFont.Column(text[i], col);
                for (int row = 0; row < BitmapFont.GlyphHeight; row++)
                {
                    if ((bits >> row & 1) != 0)
                    {
                        FilledRectangle(img, gx + col * scale, y + pad + row * scale, gx + (col + 1) * scale - 1, y + pad + (row + 1) * scale - 1, colour);
                    }
                }
            }
        }

        return (w, h);
    }
}
