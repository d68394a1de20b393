using System.Text;
using NativeCnn.Imaging.Png;
using NativeCnn.Imaging.Pnm;

namespace NativeCnn.Imaging.Tests;

/// <summary>PNGs written by netpbm's pnmtopng (every colour type, bit depth, tRNS, interlace, filter) decoded by us
/// and by pngtopnm; round trips through our encoder.</summary>
public sealed class PngTests
{
    /// <summary>A netpbm image (P5/P6, any maxval) from deterministic samples.</summary>
    private static byte[] Pnm(int w, int h, int channels, int maxval, int seed, int distinct = 0)
    {
        var rng = new Random(seed);
        var header = Encoding.ASCII.GetBytes($"P{(channels == 1 ? 5 : 6)}\n{w} {h}\n{maxval}\n");
        var body = new List<byte>(header);
        int[] palette = Enumerable.Range(0, Math.Max(distinct, 1) * channels).Select(_ => rng.Next(maxval + 1)).ToArray();
        int pick = 0;
        for (int i = 0; i < w * h; i++)
        {
            pick = distinct > 0 ? rng.Next(distinct) : 0;
            for (int c = 0; c < channels; c++)
            {
                int v = distinct > 0 ? palette[pick * channels + c] : (int)((long)rng.Next(maxval + 1) * ((i + c) % 7 + 1) / 7);
                if (maxval > 255)
                {
                    body.Add((byte)(v >> 8));
                }

                body.Add((byte)v);
            }
        }

        return body.ToArray();
    }

    public static TheoryData<string> Cases()
    {
        var d = new TheoryData<string>();
        string[] kinds =
        [
            "grey8", "grey1", "grey2", "grey4", "grey16", "rgb8", "rgb16", "palette", "palette2",
            "greyalpha8", "rgba8", "rgba16", "greyalpha16", "trns-rgb", "trns-grey", "trns-palette",
        ];
        foreach (string k in kinds)
        {
            foreach (string size in new[] { "1x1", "7x5", "33x17" })
            {
                d.Add($"{k} {size}");
                d.Add($"{k} {size} -interlace");
            }
        }

        foreach (string f in new[] { "-nofilter", "-sub", "-up", "-avg", "-paeth" })
        {
            d.Add($"rgb8 33x17 {f}");
            d.Add($"grey4 33x17 {f}");
            d.Add($"rgba16 9x11 {f} -interlace");
        }

        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PnmtopngOutput_MatchesPngtopnm(string spec)
    {
        string[] parts = spec.Split(' ');
        string kind = parts[0];
        int w = int.Parse(parts[1].Split('x')[0]);
        int h = int.Parse(parts[1].Split('x')[1]);
        string extra = string.Join(' ', parts.Skip(2));
        string dir = ExternalTools.TempDir("png");
        string stem = Path.Combine(dir, spec.Replace(' ', '_'));
        int seed = spec.GetHashCode(StringComparison.Ordinal) & 0xFFFF;
        seed = spec.Length * 131 + w * 7 + h;

        (byte[] src, string opts) = kind switch
        {
            "grey8" => (Pnm(w, h, 1, 255, seed), "-force"),
            "grey1" => (Pnm(w, h, 1, 1, seed), "-force"),
            "grey2" => (Pnm(w, h, 1, 3, seed), "-force"),
            "grey4" => (Pnm(w, h, 1, 15, seed), "-force"),
            "grey16" => (Pnm(w, h, 1, 65535, seed), "-force"),
            "rgb8" => (Pnm(w, h, 3, 255, seed), "-force"),
            "rgb16" => (Pnm(w, h, 3, 65535, seed), "-force"),
            "palette" => (Pnm(w, h, 3, 255, seed, distinct: 5), ""),
            "palette2" => (Pnm(w, h, 3, 255, seed, distinct: 200), ""),
            "greyalpha8" or "rgba8" or "rgba16" or "greyalpha16" => (
                Pnm(w, h, kind.StartsWith("grey", StringComparison.Ordinal) ? 1 : 3, kind.EndsWith("16", StringComparison.Ordinal) ? 65535 : 255, seed),
                "-force -alpha=" + stem + ".alpha.pgm"),
            "trns-rgb" => (Pnm(w, h, 3, 255, seed, distinct: 3), "-force -transparent=" + "=rgb:ff/00/00"),
            "trns-grey" => (Pnm(w, h, 1, 255, seed, distinct: 3), "-force -transparent=" + "=rgb:00/00/00"),
            _ => (Pnm(w, h, 3, 255, seed, distinct: 4), "-transparent=" + "=rgb:00/00/00"),
        };
        if (kind.StartsWith("trns", StringComparison.Ordinal))
        {
            // Make sure the transparent colour occurs: the first pixel is set to it.
            int hdr = Encoding.ASCII.GetByteCount($"P{(kind == "trns-grey" ? 5 : 6)}\n{w} {h}\n255\n");
            src[hdr] = kind == "trns-rgb" ? (byte)255 : (byte)0;
            if (kind != "trns-grey")
            {
                src[hdr + 1] = 0;
                src[hdr + 2] = 0;
            }

            opts = opts.Replace("==", "=", StringComparison.Ordinal);
        }

        if (opts.Contains("-alpha=", StringComparison.Ordinal))
        {
            File.WriteAllBytes(stem + ".alpha.pgm", Pnm(w, h, 1, kind.EndsWith("16", StringComparison.Ordinal) ? 65535 : 255, seed + 1));
        }

        byte[] png = ExternalTools.Run("pnmtopng", (opts + " " + extra).Trim(), src);
        string pngPath = stem + ".png";
        File.WriteAllBytes(pngPath, png);

        Image ours = ImageIO.Decode(png, null, pngPath);
        Image refColour = PnmCodec.Decode(ExternalTools.Run("pngtopnm", "\"" + pngPath + "\""), DecodeLimits.Default);
        Image refAlpha = PnmCodec.Decode(ExternalTools.Run("pngtopnm", "-alpha \"" + pngPath + "\""), DecodeLimits.Default);
        bool hasAlpha = refAlpha.Pixels.Any(a => a != 255);
        if (hasAlpha)
        {
            Assert.Equal(4, ours.Channels);
        }

        Image oursColour = ours.Channels == 4 || refColour.Channels == 3 ? ours.ToRgb() : ours;
        Image refC = oursColour.Channels == 3 ? refColour.ToRgb() : refColour;
        Assert.Equal(refC.Pixels, oursColour.Pixels);
        if (ours.Channels == 4)
        {
            byte[] alpha = Enumerable.Range(0, w * h).Select(i => ours.Pixels[4 * i + 3]).ToArray();
            Assert.Equal(refAlpha.Pixels, alpha);
        }
    }

    [Theory]
    [InlineData(1, PngFilter.Adaptive)]
    [InlineData(3, PngFilter.Adaptive)]
    [InlineData(4, PngFilter.Adaptive)]
    [InlineData(3, PngFilter.None)]
    [InlineData(3, PngFilter.Sub)]
    [InlineData(3, PngFilter.Up)]
    [InlineData(4, PngFilter.Average)]
    [InlineData(1, PngFilter.Paeth)]
    public void Encoder_RoundTrips_ThroughOurDecoderAndPngtopnm(int channels, PngFilter filter)
    {
        foreach ((int w, int h) in new[] { (1, 1), (5, 3), (64, 33) })
        {
            Image img = SyntheticImages.Make(w, h, channels, w + h + channels);
            byte[] png = PngEncoder.Encode(img, new PngEncodeOptions(filter));
            Image back = ImageIO.Decode(png);
            Assert.Equal((w, h, channels), (back.Width, back.Height, back.Channels));
            Assert.Equal(img.Pixels, back.Pixels);

            string path = Path.Combine(ExternalTools.TempDir("png-enc"), $"{channels}-{filter}-{w}x{h}.png");
            File.WriteAllBytes(path, png);
            Image reference = PnmCodec.Decode(ExternalTools.Run("pngtopnm", "\"" + path + "\""), DecodeLimits.Default);
            Assert.Equal((channels == 4 ? img.ToRgb() : img).Pixels, reference.Pixels);
        }
    }

    [Fact]
    public void DemoPngs_MatchPngtopnm()
    {
        string[] files = Directory.GetFiles(NativeCnn.Tests.TestAssets.Path("images", "demo"), "*.png", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (string f in files)
        {
            Image ours = ImageIO.Load(f);
            Image reference = PnmCodec.Decode(ExternalTools.Run("pngtopnm", "\"" + f + "\""), DecodeLimits.Default);
            Image oursColour = reference.Channels == 1 && ours.Channels == 1 ? ours : ours.ToRgb();
            Assert.Equal((reference.Channels == 1 && ours.Channels == 1 ? reference : reference.ToRgb()).Pixels, oursColour.Pixels);
        }
    }

    [Fact]
    public void Pnm_ReadsAsciiAndBinary_AndWrites()
    {
        Image img = SyntheticImages.Make(6, 4, 3, 3);
        byte[] p6 = PnmCodec.Encode(img);
        Assert.Equal(img.Pixels, ImageIO.Decode(p6).Pixels);
        string p3 = "P3\n# comment\n2 1\n255\n1 2 3  250 251 252\n";
        Image a = ImageIO.Decode(Encoding.ASCII.GetBytes(p3));
        Assert.Equal(new byte[] { 1, 2, 3, 250, 251, 252 }, a.Pixels);
        Image g = ImageIO.Decode(Encoding.ASCII.GetBytes("P2 2 2 15 0 15 5 10"));
        Assert.Equal(new byte[] { 0, 255, 85, 170 }, g.Pixels);
        Image grey = ImageIO.Decode(PnmCodec.Encode(g));
        Assert.Equal(g.Pixels, grey.Pixels);
    }
}
