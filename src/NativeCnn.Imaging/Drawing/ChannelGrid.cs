namespace NativeCnn.Imaging.Drawing;

/// <summary>Tiles the channels of an activation into one image for inspection.</summary>
public static class ChannelGrid
{
    /// <summary>
    /// data: [channels][height][width] activations. Each channel is normalised on its own to
    /// (v − min)/(max − min) (a constant channel becomes 0), magnified by <paramref name="cellScale"/> (nearest),
    /// and placed row-major in a grid of <paramref name="columns"/> columns (0 = ceil(√channels)) separated by
    /// <paramref name="padding"/> pixels of the background. Grey unless a colour map is given.
    /// </summary>
    public static Image Build(ReadOnlySpan<float> data, int channels, int height, int width,
        int columns = 0, int cellScale = 1, int padding = 1, ColorMap? map = null, byte background = 32)
    {
        if (data.Length != (long)channels * height * width || channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"activation has {data.Length} values, expected {channels}x{height}x{width}");
        }

        cellScale = Math.Max(1, cellScale);
        int cols = columns > 0 ? columns : (int)Math.Ceiling(Math.Sqrt(channels));
        int rows = (channels + cols - 1) / cols;
        int cw = width * cellScale, ch = height * cellScale;
        int outW = cols * cw + (cols + 1) * padding;
        int outH = rows * ch + (rows + 1) * padding;
        int nc = map is null ? 1 : 3;
        var img = new Image(outW, outH, nc);
        Array.Fill(img.Pixels, background);
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> p = data.Slice(c * plane, plane);
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            foreach (float v in p)
            {
                if (float.IsFinite(v))
                {
                    min = Math.Min(min, v);
                    max = Math.Max(max, v);
                }
            }

            float range = max > min ? max - min : 0f;
            int ox = padding + (c % cols) * (cw + padding);
            int oy = padding + (c / cols) * (ch + padding);
            for (int y = 0; y < ch; y++)
            {
                for (int x = 0; x < cw; x++)
                {
                    float v = p[(y / cellScale) * width + x / cellScale];
                    float t = range > 0 && float.IsFinite(v) ? (v - min) / range : 0f;
                    int o = ((oy + y) * outW + ox + x) * nc;
                    if (map is null)
                    {
                        img.Pixels[o] = (byte)MathF.Round(t * 255f);
                    }
                    else
                    {
                        Rgb col = map.Map(t);
                        img.Pixels[o] = col.R;
                        img.Pixels[o + 1] = col.G;
                        img.Pixels[o + 2] = col.B;
                    }
                }
            }
        }

        return img;
    }
}
