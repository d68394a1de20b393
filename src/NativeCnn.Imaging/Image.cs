namespace NativeCnn.Imaging;

/// <summary>
/// An 8-bit image with interleaved channels: <c>Pixels[(y * Width + x) * Channels + c]</c>.
/// Channels: 1 = grey, 3 = RGB, 4 = RGBA (straight, not premultiplied alpha).
/// </summary>
public sealed class Image
{
    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }

    /// <summary>Interleaved 8-bit samples, length Width·Height·Channels.</summary>
    public byte[] Pixels { get; }

    public Image(int width, int height, int channels, byte[] pixels)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"image size must be positive, got {width}x{height}");
        }

        if (channels is not (1 or 3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), $"channels must be 1, 3 or 4, got {channels}");
        }

        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * channels)
        {
            throw new ArgumentException($"pixel buffer has {pixels.LongLength} bytes, expected {width}x{height}x{channels}", nameof(pixels));
        }

        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    /// <summary>A new zero-filled (black, transparent) image.</summary>
    public Image(int width, int height, int channels)
        : this(width, height, channels, new byte[checked(width * height * channels)])
    {
    }

    public byte this[int x, int y, int c]
    {
        get => Pixels[((y * Width) + x) * Channels + c];
        set => Pixels[((y * Width) + x) * Channels + c] = value;
    }

    public Image Clone() => new(Width, Height, Channels, (byte[])Pixels.Clone());

    /// <summary>Converts to RGB: grey is replicated, alpha is dropped (not composited).</summary>
    public Image ToRgb()
    {
        if (Channels == 3)
        {
            return this;
        }

        var dst = new byte[Width * Height * 3];
        int n = Width * Height;
        for (int i = 0; i < n; i++)
        {
            if (Channels == 1)
            {
                dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = Pixels[i];
            }
            else
            {
                dst[3 * i] = Pixels[4 * i];
                dst[3 * i + 1] = Pixels[4 * i + 1];
                dst[3 * i + 2] = Pixels[4 * i + 2];
            }
        }

        return new Image(Width, Height, 3, dst);
    }

    /// <summary>Converts to grey with the ITU-R BT.601 luma weights (0.299 R + 0.587 G + 0.114 B, rounded); alpha dropped.</summary>
    public Image ToGrey()
    {
        if (Channels == 1)
        {
            return this;
        }

        var dst = new byte[Width * Height];
        for (int i = 0; i < dst.Length; i++)
        {
            int o = i * Channels;
            dst[i] = (byte)((Pixels[o] * 19595 + Pixels[o + 1] * 38470 + Pixels[o + 2] * 7471 + 32768) >> 16);
        }

        return new Image(Width, Height, 1, dst);
    }

    /// <summary>Converts to RGBA (alpha 255 where the source has none).</summary>
    public Image ToRgba()
    {
        if (Channels == 4)
        {
            return this;
        }

        var dst = new byte[Width * Height * 4];
        for (int i = 0; i < Width * Height; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                dst[4 * i + c] = Pixels[i * Channels + (Channels == 1 ? 0 : c)];
            }

            dst[4 * i + 3] = 255;
        }

        return new Image(Width, Height, 4, dst);
    }
}

/// <summary>A file that is not a readable image: unknown format, malformed or truncated data, a failed CRC, or a
/// declared size beyond <see cref="DecodeLimits"/>. The message names the source and the problem.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>The file (or other source) that failed, when known.</summary>
    public string? FileName { get; }

    /// <summary>The problem alone, without the file name.</summary>
    public string Problem { get; }

    public ImageDecodeException(string problem, string? fileName = null, Exception? inner = null)
        : base(fileName is null ? problem : $"{fileName}: {problem}", inner)
    {
        FileName = fileName;
        Problem = problem;
    }
}

/// <summary>
/// Limits checked from the header, before any pixel buffer is allocated (decompression-bomb protection).
/// Defaults: at most 16384 pixels per side and 256 MP (2^28 pixels) in total.
/// </summary>
public sealed record DecodeLimits(int MaxWidth = 16384, int MaxHeight = 16384, long MaxPixels = 1L << 28)
{
    public static DecodeLimits Default { get; } = new();

    internal void Check(long width, long height, string format)
    {
        if (width <= 0 || height <= 0)
        {
            throw new ImageDecodeException($"{format} declares an empty image ({width}x{height})");
        }

        if (width > MaxWidth || height > MaxHeight || width * height > MaxPixels)
        {
            throw new ImageDecodeException(
                $"{format} declares {width}x{height} pixels, beyond the decode limits ({MaxWidth}x{MaxHeight}, {MaxPixels} pixels); raise DecodeLimits to accept it");
        }
    }
}
