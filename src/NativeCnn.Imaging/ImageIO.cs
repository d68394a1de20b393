using NativeCnn.Imaging.Jpeg;
using NativeCnn.Imaging.Png;
using NativeCnn.Imaging.Pnm;

namespace NativeCnn.Imaging;

/// <summary>Options for decoding.</summary>
/// <param name="Limits">size limits checked before allocating (null = <see cref="DecodeLimits.Default"/>).</param>
/// <param name="ApplyExifOrientation">rotate/flip a JPEG as its EXIF orientation tag says (default true).</param>
public sealed record DecodeOptions(DecodeLimits? Limits = null, bool ApplyExifOrientation = true)
{
    public static DecodeOptions Default { get; } = new();

    internal DecodeLimits EffectiveLimits => Limits ?? DecodeLimits.Default;
}

public enum ImageFormat
{
    Unknown,
    Jpeg,
    Png,
    Pnm,
}

/// <summary>Reading and writing images. The format is recognised from the first bytes, never from the file name.</summary>
public static class ImageIO
{
    /// <summary>Recognises JPEG (FF D8 FF), PNG (89 'PNG' 0D 0A 1A 0A) and PNM (P1..P6 followed by white space).</summary>
    public static ImageFormat Sniff(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (data.Length >= 8 && data[..8].SequenceEqual(PngDecoder.Signature))
        {
            return ImageFormat.Png;
        }

        if (data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'6'
            && data[2] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'#')
        {
            return ImageFormat.Pnm;
        }

        return ImageFormat.Unknown;
    }

    /// <summary>Reads and decodes a file; every failure to decode is an <see cref="ImageDecodeException"/> naming the file.</summary>
    public static Image Load(string path, DecodeOptions? options = null)
    {
        byte[] data = File.ReadAllBytes(path);
        return Decode(data, options, path);
    }

    /// <summary>Decodes an image held in memory.</summary>
    public static Image Decode(byte[] data, DecodeOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        options ??= DecodeOptions.Default;
        try
        {
            return Sniff(data) switch
            {
                ImageFormat.Jpeg => JpegDecoder.Decode(data, options),
                ImageFormat.Png => PngDecoder.Decode(data, options.EffectiveLimits),
                ImageFormat.Pnm => PnmCodec.Decode(data, options.EffectiveLimits),
                _ => throw new ImageDecodeException("not a JPEG/PNG/PPM file (unrecognised leading bytes)"),
            };
        }
        catch (ImageDecodeException e) when (sourceName is not null && e.FileName is null)
        {
            throw new ImageDecodeException(e.Problem, sourceName, e.InnerException);
        }
    }

    /// <summary>Writes PNG when the path ends in .png, binary PPM/PGM when it ends in .ppm/.pgm/.pnm.</summary>
    public static void Save(Image image, string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        byte[] bytes = ext switch
        {
            ".png" => PngEncoder.Encode(image),
            ".ppm" or ".pgm" or ".pnm" => PnmCodec.Encode(image),
            _ => throw new ArgumentException($"cannot choose a format for '{path}': use .png, .ppm, .pgm or .pnm", nameof(path)),
        };
        File.WriteAllBytes(path, bytes);
    }
}
