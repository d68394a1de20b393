using NativeCnn.Imaging.Processing;

namespace NativeCnn.Imaging.Tests;

public sealed class PreprocessTests
{
    private const float Eps = 1e-5f; // float32 arithmetic on values of order 1..255

    private static Image Row(params byte[] v) => new(v.Length, 1, 1, v);

    [Fact]
    public void Resampler_Downscale2_MatchesHandComputedPillowWeights()
    {
        // out 0: centre 1, support 2 → taps x0..2 with triangle weights 3/7, 3/7, 1/7 → 500/7 = 71.4 → 71
        // out 1: centre 3 → taps x1..3 weights 1/7, 3/7, 3/7 → 850/7 = 121.4 → 121
        Image r = Resampler.ResizeBilinear(Row(0, 100, 200, 50), 2, 1);
        Assert.Equal(new byte[] { 71, 121 }, r.Pixels);
    }

    [Fact]
    public void Resampler_Upscale2_MatchesHandComputed()
    {
        Image r = Resampler.ResizeBilinear(Row(0, 100), 4, 1);
        Assert.Equal(new byte[] { 0, 25, 75, 100 }, r.Pixels);
        Image col = Resampler.ResizeBilinear(new Image(1, 2, 1, [0, 100]), 1, 4);
        Assert.Equal(new byte[] { 0, 25, 75, 100 }, col.Pixels);
    }

    [Fact]
    public void Resampler_ConstantStaysConstant_AndSameSizeIsIdentity()
    {
        var c = new Image(37, 23, 3);
        Array.Fill(c.Pixels, (byte)173);
        Image r = Resampler.ResizeBilinear(c, 11, 50);
        Assert.All(r.Pixels, v => Assert.Equal(173, v));
        Image s = SyntheticImages.Make(13, 9, 3, 5);
        Assert.Equal(s.Pixels, Resampler.ResizeBilinear(s, 13, 9).Pixels);
    }

    [Fact]
    public void ImagenetTorch_Geometry_AndValues()
    {
        var img = new Image(500, 375, 3);
        for (int i = 0; i < 500 * 375; i++)
        {
            img.Pixels[3 * i] = 255;
        }

        PreprocessResult r = Preset.Get("imagenet-torch").Run(img);
        Assert.Equal(new[] { 1, 3, 224, 224 }, r.Shape);
        // shorter side 256 → 341.33 → 341 × 256; crop offset round(117/2 = 58.5) = 58 (half to even), 16
        Assert.Equal(new ImageGeometry(500, 375, 341, 256, 58, 16, 224, 224), r.Geometry);
        Assert.Equal((1 - 0.485f) / 0.229f, r.Data[0], Eps);
        Assert.Equal((0 - 0.456f) / 0.224f, r.Data[224 * 224], Eps);
        Assert.Equal((0 - 0.406f) / 0.225f, r.Data[2 * 224 * 224 + 5], Eps);
    }

    [Fact]
    public void Geometry_MapsBackToOriginal()
    {
        var g = new ImageGeometry(500, 375, 341, 256, 58, 16, 224, 224);
        (double x, double y) = g.ToOriginal(0, 0);
        Assert.Equal((58 + 0.5) * 500 / 341 - 0.5, x, 9);
        Assert.Equal((16 + 0.5) * 375 / 256 - 0.5, y, 9);
        (double bx, double by) = g.FromOriginal(x, y);
        Assert.Equal(0, bx, 9);
        Assert.Equal(0, by, 9);
        // (111 + 58 + 0.5)·500/341 − 0.5 = 248.03, (111 + 16 + 0.5)·375/256 − 0.5 = 186.27
        Assert.Equal((248, 186), g.ToOriginalPixel(111, 111));
        Assert.Equal((499, 374), g.ToOriginalPixel(10000, 10000));
        var flipped = g with { Flipped = true };
        Assert.Equal(g.ToOriginal(223, 5), flipped.ToOriginal(0, 5));
        var identity = new ImageGeometry(28, 28, 28, 28, 0, 0, 28, 28);
        Assert.Equal((7, 9), identity.ToOriginalPixel(7, 9));
    }

    [Fact]
    public void Caffe_IsBgrMinusMeans_AndTenCropIsConsistent()
    {
        Image img = SyntheticImages.Make(300, 260, 3, 11);
        Preprocess caffe = Preset.ImagenetCaffe;
        PreprocessResult one = caffe.Run(img);
        Assert.Equal(new ImageGeometry(300, 260, 256, 256, 16, 16, 224, 224), one.Geometry);
        Image resized = Resampler.ResizeBilinear(img, 256, 256);
        Assert.Equal(resized[16, 16, 2] - 103.939f, one.Data[0], Eps);             // B first
        Assert.Equal(resized[16, 16, 0] - 123.68f, one.Data[2 * 224 * 224], Eps);  // R last

        TenCropResult ten = caffe.RunTenCrop(img);
        Assert.Equal(new[] { 10, 3, 224, 224 }, ten.Shape);
        int per = 3 * 224 * 224;
        Assert.Equal(one.Data, ten.Data.AsSpan(4 * per, per).ToArray());
        // Crop 5 is crop 0 mirrored.
        Assert.Equal(ten.Data[(0 * 224 + 7) * 224 + 0], ten.Data[5 * per + (0 * 224 + 7) * 224 + 223]);
        Assert.Equal(new ImageGeometry(300, 260, 256, 256, 32, 32, 224, 224, true), ten.Geometries[8]);
    }

    [Fact]
    public void MnistPresets_AndQuickDraw()
    {
        var digit = new Image(28, 28, 1);
        digit[10, 12, 0] = 255;
        PreprocessResult m = Preset.Get("mnist").Run(digit);
        Assert.Equal(new[] { 1, 1, 28, 28 }, m.Shape);
        Assert.Equal(255f / 256f, m.Data[12 * 28 + 10], Eps);
        Assert.Equal(0f, m.Data[0]);
        PreprocessResult p = Preset.Get("MNIST-PyTorch").Run(digit);
        Assert.Equal((1 - 0.1307f) / 0.3081f, p.Data[12 * 28 + 10], Eps);
        Assert.Equal(-0.1307f / 0.3081f, p.Data[0], Eps);

        var sketch = new Image(56, 56, 3);
        Array.Fill(sketch.Pixels, (byte)255);
        for (int y = 0; y < 56; y++)
        {
            for (int c = 0; c < 3; c++)
            {
                sketch[20, y, c] = sketch[21, y, c] = 0; // a dark vertical stroke
            }
        }

        PreprocessResult q = Preset.QuickDraw.Run(sketch);
        Assert.Equal(new[] { 1, 1, 28, 28 }, q.Shape);
        Assert.Equal(1f, q.Data[5 * 28 + 10]);
        Assert.Equal(0f, q.Data[5 * 28 + 2]);
        Assert.All(q.Data, v => Assert.True(v is 0f or 1f));
        Assert.Throws<ArgumentException>(() => Preset.Get("nope"));
    }

    [Fact]
    public void Darknet_OnRealImage()
    {
        string f = Directory.GetFiles(NativeCnn.Tests.TestAssets.Path("images", "imagenet-sample"), "*.JPEG").Order(StringComparer.Ordinal).First();
        Image img = ImageIO.Load(f);
        PreprocessResult r = Preset.Darknet.Run(img);
        Assert.Equal(new[] { 1, 3, 224, 224 }, r.Shape);
        Assert.All(r.Data, v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(224, Math.Min(r.Geometry.ResizedWidth, r.Geometry.ResizedHeight));
    }
}
