using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Imaging.Tests;

/// <summary>Our JPEG decoder against libjpeg-turbo's djpeg (defaults: islow IDCT, fancy upsampling), before EXIF
/// orientation (djpeg ignores it). Tolerance: ±1 per channel.</summary>
public sealed class JpegReferenceTests(ITestOutputHelper output)
{
    private const int Tolerance = 1;

    private static readonly DecodeOptions NoOrientation = new(ApplyExifOrientation: false);

    private PixelDiff CompareWithDjpeg(string path)
    {
        Image ours = ImageIO.Load(path, NoOrientation);
        Image reference = ExternalTools.Djpeg(path);
        PixelDiff d = PixelDiff.Compare(ours, reference);
        Assert.True(d.MaxDiff <= Tolerance, $"{path}: max difference {d.MaxDiff} > {Tolerance} ({ours.Width}x{ours.Height}x{ours.Channels})");
        return d;
    }

    private void CompareAll(IEnumerable<string> files)
    {
        int maxDiff = 0;
        long off = 0, total = 0;
        int n = 0;
        foreach (string f in files)
        {
            PixelDiff d = CompareWithDjpeg(f);
            maxDiff = Math.Max(maxDiff, d.MaxDiff);
            off += d.Off1;
            total += d.Total;
            n++;
        }

        output.WriteLine($"{n} JPEGs vs djpeg: max diff {maxDiff}, {100.0 * off / Math.Max(total, 1):F4} % of samples off by 1");
        Assert.True(n > 0);
    }

    [Fact]
    public void ImagenetSample_MatchesDjpeg() =>
        CompareAll(Directory.GetFiles(TestAssets.Path("images", "imagenet-sample"), "*.JPEG").Order(StringComparer.Ordinal));

    [Fact]
    public void DemoJpegs_MatchDjpeg() =>
        CompareAll(Directory.GetFiles(TestAssets.Path("images", "demo"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal));

    [Fact]
    public void IlsvrcVal_DecodesAll_AndEveryTenthMatchesDjpeg()
    {
        string[] files = Directory.GetFiles(TestAssets.Path("images", "ilsvrc2012-val-227", "data"), "*.JPEG").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(1000, files.Length);
        foreach (string f in files)
        {
            Image img = ImageIO.Load(f);
            Assert.True(img.Width == 227 && img.Height == 227, f);
        }

        CompareAll(files.Where((_, i) => i % 10 == 0));
    }
}
