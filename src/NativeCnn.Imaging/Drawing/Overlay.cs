namespace NativeCnn.Imaging.Drawing;

/// <summary>Heat maps and blending.</summary>
public static class Overlay
{
    /// <summary>heat: [height][width] values in [0, 1] → an RGB image through the colour map.</summary>
    public static Image HeatMap(ReadOnlySpan<float> heat, int width, int height, ColorMap map)
    {
        if (heat.Length != width * height)
        {
            throw new ArgumentException($"heat map has {heat.Length} values, expected {width}x{height}");
        }

        var img = new Image(width, height, 3);
        for (int i = 0; i < heat.Length; i++)
        {
            Rgb c = map.Map(heat[i]);
            img.Pixels[3 * i] = c.R;
            img.Pixels[3 * i + 1] = c.G;
            img.Pixels[3 * i + 2] = c.B;
        }

        return img;
    }

    /// <summary>out = round((1 − α)·base + α·over) per channel, on RGB; both images must have the same size.</summary>
    public static Image Blend(Image baseImage, Image over, float alpha)
    {
        if (baseImage.Width != over.Width || baseImage.Height != over.Height)
        {
            throw new ArgumentException($"blend of {baseImage.Width}x{baseImage.Height} with {over.Width}x{over.Height}");
        }

        Image a = baseImage.ToRgb(), b = over.ToRgb();
        var dst = new byte[a.Pixels.Length];
        for (int i = 0; i < dst.Length; i++)
        {
            dst[i] = (byte)Math.Clamp(MathF.Round((1 - alpha) * a.Pixels[i] + alpha * b.Pixels[i]), 0, 255);
        }

        return new Image(a.Width, a.Height, 3, dst);
    }

    /// <summary>
    /// The heat map coloured and blended over the image. With <paramref name="weightByHeat"/> the blend weight of
    /// each pixel is α·heat (cold areas keep the photo), otherwise α everywhere.
    /// heat: [image.Height][image.Width].
    /// </summary>
    public static Image BlendHeatMap(Image image, ReadOnlySpan<float> heat, ColorMap map, float alpha = 0.5f, bool weightByHeat = false)
    {
        Image colours = HeatMap(heat, image.Width, image.Height, map);
        if (!weightByHeat)
        {
            return Blend(image, colours, alpha);
        }

        Image a = image.ToRgb();
        var dst = new byte[a.Pixels.Length];
        for (int i = 0; i < heat.Length; i++)
        {
            float w = alpha * Math.Clamp(heat[i], 0f, 1f);
            for (int c = 0; c < 3; c++)
            {
                dst[3 * i + c] = (byte)Math.Clamp(MathF.Round((1 - w) * a.Pixels[3 * i + c] + w * colours.Pixels[3 * i + c]), 0, 255);
            }
        }

        return new Image(a.Width, a.Height, 3, dst);
    }
}
