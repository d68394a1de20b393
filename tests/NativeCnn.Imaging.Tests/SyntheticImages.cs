namespace NativeCnn.Imaging.Tests;

/// <summary>Deterministic test pictures: smooth gradients plus seeded noise, so that every DCT band is used.</summary>
internal static class SyntheticImages
{
    public static Image Make(int width, int height, int channels, int seed)
    {
        var rng = new Random(seed);
        var img = new Image(width, height, channels);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    double v = 128 + 90 * Math.Sin((x * (c + 1) * 0.21) + (y * 0.13 * (3 - c % 3))) + rng.Next(-30, 31);
                    img[x, y, c] = (byte)Math.Clamp((int)v, 0, 255);
                }
            }
        }

        return img;
    }
}
