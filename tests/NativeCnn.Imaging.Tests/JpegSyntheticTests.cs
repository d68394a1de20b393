namespace NativeCnn.Imaging.Tests;

/// <summary>JPEGs produced by cjpeg at test time (sampling factors, progressive, restart intervals, grey, odd
/// sizes), decoded by us and by djpeg.</summary>
public sealed class JpegSyntheticTests
{
    private static readonly DecodeOptions NoOrientation = new(ApplyExifOrientation: false);

    public static TheoryData<int, int, string> Cases()
    {
        var data = new TheoryData<int, int, string>();
        (int, int)[] sizes = [(1, 1), (17, 9), (2, 3), (64, 48), (101, 77)];
        string[] options =
        [
            "-sample 1x1", "-sample 2x1", "-sample 2x2", "-sample 4x1", "-sample 1x2", "-sample 4x2",
            "-sample 2x2 -progressive", "-sample 1x1 -progressive", "-sample 2x1 -progressive -restart 1",
            "-sample 2x2 -restart 1", "-sample 2x2 -restart 1b", "-grayscale", "-grayscale -progressive",
            "-quality 100 -sample 1x1", "-quality 5 -sample 2x2", "-optimize -sample 2x2", "-rgb",
        ];
        foreach ((int w, int h) in sizes)
        {
            foreach (string o in options)
            {
                data.Add(w, h, o);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CjpegOutput_MatchesDjpeg(int width, int height, string cjpegOptions)
    {
        Image src = SyntheticImages.Make(width, height, 3, width * 31 + height);
        byte[] jpeg = ExternalTools.Run("cjpeg", cjpegOptions, Pnm.PnmCodec.Encode(src));
        string dir = ExternalTools.TempDir("jpeg-synth");
        string path = Path.Combine(dir, $"{width}x{height}{cjpegOptions.Replace(' ', '_')}.jpg");
        File.WriteAllBytes(path, jpeg);

        Image ours = ImageIO.Decode(jpeg, NoOrientation);
        Image reference = ExternalTools.Djpeg(path);
        PixelDiff d = PixelDiff.Compare(ours, reference);
        Assert.True(d.MaxDiff <= 1, $"{width}x{height} cjpeg {cjpegOptions}: max difference {d.MaxDiff}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void ExifOrientation_IsApplied_AndCanBeIgnored(int orientation)
    {
        Image src = SyntheticImages.Make(19, 11, 3, 7);
        byte[] jpeg = ExternalTools.Run("cjpeg", "-sample 1x1", Pnm.PnmCodec.Encode(src));
        byte[] withExif = InsertExif(jpeg, orientation, bigEndian: orientation % 2 == 0);

        Assert.Equal(orientation, Jpeg.JpegDecoder.ReadExifOrientation(withExif));
        Image raw = ImageIO.Decode(withExif, NoOrientation);
        Image upright = ImageIO.Decode(withExif);
        Assert.Equal(ImageIO.Decode(jpeg).Pixels, raw.Pixels);
        bool swap = orientation >= 5;
        Assert.Equal(swap ? (11, 19) : (19, 11), (upright.Width, upright.Height));

        // The top-left output pixel comes from this corner of the stored image.
        (int sx, int sy) = orientation switch
        {
            1 => (0, 0), 2 => (18, 0), 3 => (18, 10), 4 => (0, 10), 5 => (0, 0), 6 => (0, 10), 7 => (18, 10), _ => (18, 0),
        };
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(raw[sx, sy, c], upright[0, 0, c]);
        }
    }

    /// <summary>Inserts an APP1 "Exif" segment holding one IFD0 entry, Orientation (SHORT), after SOI.</summary>
    internal static byte[] InsertExif(byte[] jpeg, int orientation, bool bigEndian)
    {
        var tiff = new List<byte>();
        void U16(int v)
        {
            if (bigEndian)
            {
                tiff.Add((byte)(v >> 8));
                tiff.Add((byte)v);
            }
            else
            {
                tiff.Add((byte)v);
                tiff.Add((byte)(v >> 8));
            }
        }

        void U32(int v)
        {
            if (bigEndian)
            {
                U16(v >> 16);
                U16(v & 0xFFFF);
            }
            else
            {
                U16(v & 0xFFFF);
                U16(v >> 16);
            }
        }

        tiff.AddRange(bigEndian ? "MM"u8.ToArray() : "II"u8.ToArray());
        U16(42);
        U32(8);
        U16(1);          // one entry
        U16(0x0112);     // Orientation
        U16(3);          // SHORT
        U32(1);          // count
        U16(orientation);
        U16(0);
        U32(0);          // no next IFD
        byte[] payload = [.. "Exif\0\0"u8.ToArray(), .. tiff];
        int len = payload.Length + 2;
        return [0xFF, 0xD8, 0xFF, 0xE1, (byte)(len >> 8), (byte)len, .. payload, .. jpeg.AsSpan(2).ToArray()];
    }
}
