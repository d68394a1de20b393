using System.Diagnostics;
using NativeCnn.Imaging.Png;
using Xunit.Abstractions;

namespace NativeCnn.Imaging.Tests;

/// <summary>Malformed input always ends in <see cref="ImageDecodeException"/>, never another exception or a hang.</summary>
public sealed class MalformedTests(ITestOutputHelper output)
{
    private static byte[] Jpeg(string options, int w = 40, int h = 24) =>
        ExternalTools.Run("cjpeg", options, Pnm.PnmCodec.Encode(SyntheticImages.Make(w, h, 3, w * h)));

    [Fact]
    public void TruncatedJpeg_Throws()
    {
        byte[] jpeg = Jpeg("-sample 2x2");
        foreach (int cut in new[] { jpeg.Length - 20, jpeg.Length / 2, 200, 3 })
        {
            var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(jpeg[..cut]));
            Assert.Contains("JPEG", e.Message);
        }
    }

    [Fact]
    public void CorruptedHuffmanTable_Throws()
    {
        byte[] jpeg = Jpeg("-sample 1x1");
        int dht = FindMarker(jpeg, 0xC4);
        // counts[0..15] follow the class/id byte; give length 1 three codes (at most 2 fit), keeping the total.
        int counts = dht + 5;
        int last = Enumerable.Range(0, 16).Last(i => jpeg[counts + i] >= 3);
        jpeg[counts + last] -= 3;
        jpeg[counts] += 3;
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(jpeg));
        Assert.Contains("Huffman", e.Message);
    }

    [Fact]
    public void JpegBeyondLimits_ThrowsBeforeAllocating()
    {
        byte[] jpeg = Jpeg("-sample 1x1");
        int sof = FindMarker(jpeg, 0xC0);
        jpeg[sof + 5] = 0xEA; // height 60000
        jpeg[sof + 6] = 0x60;
        jpeg[sof + 7] = 0xEA; // width 60000
        jpeg[sof + 8] = 0x60;
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(jpeg));
        Assert.Contains("decode limits", e.Message);
    }

    [Fact]
    public void PngWithBadCrc_Throws()
    {
        byte[] png = PngEncoder.Encode(SyntheticImages.Make(8, 8, 3, 1));
        int idat = IndexOf(png, "IDAT"u8);
        png[idat + 6] ^= 0x10;
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(png));
        Assert.Contains("CRC", e.Message);
    }

    [Fact]
    public void PngDeclaring100000x100000_ThrowsBeforeAllocating()
    {
        byte[] png = PngEncoder.Encode(SyntheticImages.Make(1, 1, 3, 1));
        int ihdr = IndexOf(png, "IHDR"u8);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(ihdr + 4), 100000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(ihdr + 8), 100000);
        uint crc = Crc(png.AsSpan(ihdr, 17));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(ihdr + 17), crc);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(png));
        Assert.Contains("100000x100000", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "allocated a pixel buffer before checking the limits");

        // A smaller limit applies too.
        byte[] ok = PngEncoder.Encode(SyntheticImages.Make(64, 64, 3, 1));
        Assert.Throws<ImageDecodeException>(() => ImageIO.Decode(ok, new DecodeOptions(new DecodeLimits(MaxPixels: 1000))));
    }

    [Fact]
    public void TextFileNamedJpg_Throws_NamingTheFile()
    {
        string path = Path.Combine(ExternalTools.TempDir("malformed"), "not-an-image.jpg");
        File.WriteAllText(path, "hello, this is text\n");
        var e = Assert.Throws<ImageDecodeException>(() => ImageIO.Load(path));
        Assert.Contains("not a JPEG/PNG/PPM", e.Message);
        Assert.Equal(path, e.FileName);
        Assert.Contains("not-an-image.jpg", e.Message);
    }

    [Fact]
    public void PngFromPngDecoder_IsRecognisedByContentNotExtension()
    {
        string path = Path.Combine(ExternalTools.TempDir("malformed"), "really-a-png.jpg");
        File.WriteAllBytes(path, PngEncoder.Encode(SyntheticImages.Make(3, 2, 3, 1)));
        Assert.Equal(3, ImageIO.Load(path).Width);
    }

    /// <summary>Seeded mutations (bit flips, truncations, insertions, overwritten runs) of valid files. Each decode is
    /// bounded by construction: small decode limits, a bound on invented padding bits in JPEG entropy data,
    /// an exact inflate size for PNG.</summary>
    [Theory]
    [InlineData("jpeg", 3000)]
    [InlineData("png", 3000)]
    [InlineData("pnm", 1000)]
    public void Fuzz_OnlyImageDecodeException(string format, int count)
    {
        List<byte[]> seeds = format switch
        {
            "jpeg" =>
            [
                Jpeg("-sample 2x2"), Jpeg("-sample 2x1 -progressive"), Jpeg("-sample 1x1 -restart 1b"),
                Jpeg("-grayscale -progressive", 17, 9), Jpeg("-sample 4x1 -optimize"), Jpeg("-rgb -progressive", 9, 9),
                File.ReadAllBytes(Directory.GetFiles(NativeCnn.Tests.TestAssets.Path("images", "ilsvrc2012-val-227", "data"), "*.JPEG").Order(StringComparer.Ordinal).First()),
            ],
            "png" =>
            [
                PngEncoder.Encode(SyntheticImages.Make(20, 13, 3, 1)), PngEncoder.Encode(SyntheticImages.Make(9, 9, 4, 2)),
                PngEncoder.Encode(SyntheticImages.Make(16, 5, 1, 3), new PngEncodeOptions(PngFilter.Paeth)),
                ExternalTools.Run("pnmtopng", "-interlace", Pnm.PnmCodec.Encode(SyntheticImages.Make(17, 11, 3, 4))),
                ExternalTools.Run("pnmtopng", "", "P5\n13 7\n3\n"u8.ToArray().Concat(Enumerable.Range(0, 91).Select(i => (byte)(i % 4))).ToArray()),
            ],
            _ => [Pnm.PnmCodec.Encode(SyntheticImages.Make(7, 5, 3, 1)), "P2\n3 2\n15\n0 1 2\n3 4 15\n"u8.ToArray(), "P3 1 1 65535 1 2 65535"u8.ToArray()],
        };
        var options = new DecodeOptions(new DecodeLimits(4096, 4096, 4 << 20));
        var rng = new Random(12345 + format.Length);
        int thrown = 0, decoded = 0;
        double slowest = 0;
        for (int i = 0; i < count; i++)
        {
            byte[] seed = seeds[i % seeds.Count];
            (byte[] mutated, string what) = Mutate(seed, rng);
            if (format == "png" && i % 2 == 0)
            {
                // Re-seal the chunk CRCs so that the damage reaches IHDR checks, inflate, filters and pixels.
                FixPngCrcs(mutated);
                what += ", CRCs fixed";
            }

            var sw = Stopwatch.StartNew();
            try
            {
                ImageIO.Decode(mutated, options);
                decoded++;
            }
            catch (ImageDecodeException)
            {
                thrown++;
            }
            catch (Exception e)
            {
                Assert.Fail($"{format} mutation #{i} ({what}) of seed {i % seeds.Count} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }

            slowest = Math.Max(slowest, sw.Elapsed.TotalSeconds);
        }

        output.WriteLine($"{format}: {count} mutations, {decoded} decoded, {thrown} ImageDecodeException, slowest {slowest * 1000:F1} ms");
        Assert.True(slowest < 5, $"a decode took {slowest:F1} s");
        Assert.True(thrown > 0);
    }

    private static (byte[] Data, string What) Mutate(byte[] seed, Random rng)
    {
        byte[] d = (byte[])seed.Clone();
        switch (rng.Next(5))
        {
            case 0:
            {
                int flips = rng.Next(1, 9);
                for (int k = 0; k < flips; k++)
                {
                    d[rng.Next(d.Length)] ^= (byte)(1 << rng.Next(8));
                }

                return (d, $"{flips} bit flips");
            }

            case 1:
            {
                int len = rng.Next(d.Length);
                return (d[..len], $"truncated to {len}");
            }

            case 2:
            {
                int at = rng.Next(d.Length);
                int n = rng.Next(1, 16);
                var ins = new byte[n];
                rng.NextBytes(ins);
                return ([.. d[..at], .. ins, .. d[at..]], $"{n} bytes inserted at {at}");
            }

            case 3:
            {
                int at = rng.Next(d.Length);
                int n = Math.Min(rng.Next(1, 32), d.Length - at);
                rng.NextBytes(d.AsSpan(at, n));
                return (d, $"{n} bytes overwritten at {at}");
            }

            default:
            {
                // Header-region damage: headers hold the sizes, tables and markers that matter most.
                int at = rng.Next(Math.Min(d.Length, 700));
                d[at] = (byte)rng.Next(256);
                return (d, $"byte {at} set");
            }
        }
    }

    private static void FixPngCrcs(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            long len = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (pos + 12 + len > png.Length)
            {
                return;
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + (int)len), Crc(png.AsSpan(pos + 4, 4 + (int)len)));
            pos += 12 + (int)len;
        }
    }

    private static int FindMarker(byte[] jpeg, byte marker)
    {
        for (int i = 2; i + 1 < jpeg.Length; i++)
        {
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"marker FF{marker:X2} not found");
    }

    private static int IndexOf(byte[] data, ReadOnlySpan<byte> what) => data.AsSpan().IndexOf(what);

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }
        }

        return c ^ 0xFFFFFFFF;
    }
}
