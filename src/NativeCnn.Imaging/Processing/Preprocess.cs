namespace NativeCnn.Imaging.Processing;

/// <summary>Channel layout of the network input.</summary>
public enum ChannelOrder
{
    Rgb,
    Bgr,

    /// <summary>One channel: BT.601 luma of the (alpha-composited) image.</summary>
    Grey,
}

/// <summary>How the image is resized before cropping.</summary>
public enum ResizeMode
{
    /// <summary>No resize.</summary>
    None,

    /// <summary>Shorter side to <see cref="Preprocess.ResizeWidth"/>, the other side int(N·long/short)
    /// (torchvision's <c>Resize(N)</c>); aspect ratio kept.</summary>
    ShorterSide,

    /// <summary>Exactly ResizeWidth × ResizeHeight (aspect ratio not kept; Caffe's warp).</summary>
    Exact,
}

/// <summary>How 8-bit samples v become network inputs.</summary>
public enum PixelMapping
{
    /// <summary>(v·Scale − Mean[c]) / Std[c].</summary>
    Affine,

    /// <summary>QuickDraw ink: round(1 − mean(R, G, B)/255) (round half to even), one channel.</summary>
    QuickDrawInk,
}

/// <summary>
/// An image → tensor recipe: composite alpha over <see cref="AlphaBackground"/>, resize (Pillow-style bilinear with
/// antialiasing, <see cref="Resampler"/>), centre crop CropWidth × CropHeight (offset round((resized − crop)/2),
/// half to even, like torchvision's CenterCrop; 0 = no crop), optionally invert (255 − v), then map each sample
/// (<see cref="PixelMapping"/>) into a float[] laid out NCHW [1, C, H, W]. Mean and Std are given in the
/// output channel order.
/// </summary>
public sealed record Preprocess
{
    public ChannelOrder Order { get; init; } = ChannelOrder.Rgb;
    public ResizeMode Resize { get; init; } = ResizeMode.ShorterSide;

    /// <summary>Shorter-side length (ShorterSide) or output width (Exact).</summary>
    public int ResizeWidth { get; init; } = 256;

    /// <summary>Output height (Exact only).</summary>
    public int ResizeHeight { get; init; } = 256;

    public int CropWidth { get; init; } = 224;
    public int CropHeight { get; init; } = 224;
    public float Scale { get; init; } = 1f / 255f;
    public float[] Mean { get; init; } = [0f, 0f, 0f];
    public float[] Std { get; init; } = [1f, 1f, 1f];
    public PixelMapping Mapping { get; init; } = PixelMapping.Affine;

    /// <summary>Use 255 − v (e.g. a black-on-white digit for a white-on-black MNIST model).</summary>
    public bool Invert { get; init; }

    /// <summary>Grey level images with alpha are composited over (white by default).</summary>
    public byte AlphaBackground { get; init; } = 255;

    public int ChannelCount => Order == ChannelOrder.Grey || Mapping == PixelMapping.QuickDrawInk ? 1 : 3;

    /// <summary>Resized size for an original of w × h.</summary>
    public (int Width, int Height) ResizedSize(int w, int h) => Resize switch
    {
        ResizeMode.None => (w, h),
        ResizeMode.Exact => (ResizeWidth, ResizeHeight),
        _ => w <= h
            ? (ResizeWidth, (int)((long)ResizeWidth * h / w))
            : ((int)((long)ResizeWidth * w / h), ResizeWidth),
    };

    /// <summary>Runs the recipe: a [1, C, H, W] tensor and where it came from.</summary>
    public PreprocessResult Run(Image image)
    {
        Image resized = Prepare(image, out int rw, out int rh);
        (int cw, int ch) = CropSize(rw, rh);
        int cx = (int)Math.Round((rw - cw) / 2.0, MidpointRounding.ToEven);
        int cy = (int)Math.Round((rh - ch) / 2.0, MidpointRounding.ToEven);
        var geometry = new ImageGeometry(image.Width, image.Height, rw, rh, cx, cy, cw, ch);
        float[] data = new float[ChannelCount * cw * ch];
        Fill(resized, geometry, data);
        return new PreprocessResult(data, [1, ChannelCount, ch, cw], geometry);
    }

    /// <summary>
    /// Caffe's 10-crop ("oversample"): the four corner crops, the centre crop, then the same five mirrored
    /// left-right; a [10, C, H, W] tensor and one geometry per crop.
    /// </summary>
    public TenCropResult RunTenCrop(Image image)
    {
        Image resized = Prepare(image, out int rw, out int rh);
        (int cw, int ch) = CropSize(rw, rh);
        (int X, int Y)[] offsets =
        [
            (0, 0), (rw - cw, 0), (0, rh - ch), (rw - cw, rh - ch),
            ((int)Math.Round((rw - cw) / 2.0, MidpointRounding.ToEven), (int)Math.Round((rh - ch) / 2.0, MidpointRounding.ToEven)),
        ];
        int per = ChannelCount * cw * ch;
        var data = new float[10 * per];
        var geometries = new ImageGeometry[10];
        for (int i = 0; i < 10; i++)
        {
            (int x, int y) = offsets[i % 5];
            geometries[i] = new ImageGeometry(image.Width, image.Height, rw, rh, x, y, cw, ch, Flipped: i >= 5);
            Fill(resized, geometries[i], data.AsSpan(i * per, per));
        }

        return new TenCropResult(data, [10, ChannelCount, ch, cw], geometries);
    }

    private (int W, int H) CropSize(int rw, int rh)
    {
        if (CropWidth <= 0 || CropHeight <= 0)
        {
            return (rw, rh);
        }

        if (CropWidth > rw || CropHeight > rh)
        {
            throw new ArgumentException($"crop {CropWidth}x{CropHeight} is larger than the resized image {rw}x{rh}");
        }

        return (CropWidth, CropHeight);
    }

    private Image Prepare(Image image, out int rw, out int rh)
    {
        Image src = image;
        if (src.Channels == 4)
        {
            src = Composite(src, AlphaBackground);
        }

        if (Order == ChannelOrder.Grey && Mapping == PixelMapping.Affine)
        {
            src = src.ToGrey();
        }
        else if (src.Channels == 1)
        {
            src = src.ToRgb();
        }

        (rw, rh) = ResizedSize(image.Width, image.Height);
        return rw == src.Width && rh == src.Height ? src : Resampler.ResizeBilinear(src, rw, rh);
    }

    private static Image Composite(Image rgba, byte background)
    {
        var rgb = new byte[rgba.Width * rgba.Height * 3];
        for (int i = 0; i < rgba.Width * rgba.Height; i++)
        {
            int a = rgba.Pixels[4 * i + 3];
            for (int c = 0; c < 3; c++)
            {
                rgb[3 * i + c] = (byte)((rgba.Pixels[4 * i + c] * a + background * (255 - a) + 127) / 255);
            }
        }

        return new Image(rgba.Width, rgba.Height, 3, rgb);
    }

    /// <summary>dst: [C][CropHeight][CropWidth] for one crop.</summary>
    private void Fill(Image resized, ImageGeometry g, Span<float> dst)
    {
        int cw = g.CropWidth, ch = g.CropHeight;
        int nc = ChannelCount;
        int sc = resized.Channels;
        for (int y = 0; y < ch; y++)
        {
            for (int x = 0; x < cw; x++)
            {
                int sx = g.CropX + (g.Flipped ? cw - 1 - x : x);
                int o = ((g.CropY + y) * resized.Width + sx) * sc;
                if (Mapping == PixelMapping.QuickDrawInk)
                {
                    int sum = 0;
                    for (int c = 0; c < 3; c++)
                    {
                        int v = resized.Pixels[o + c];
                        sum += Invert ? 255 - v : v;
                    }

                    dst[y * cw + x] = (float)Math.Round(1.0 - sum / 3.0 / 255.0, MidpointRounding.ToEven);
                    continue;
                }

                for (int c = 0; c < nc; c++)
                {
                    int srcC = Order == ChannelOrder.Bgr ? 2 - c : c;
                    int v = resized.Pixels[o + (sc == 1 ? 0 : srcC)];
                    if (Invert)
                    {
                        v = 255 - v;
                    }

                    dst[(c * ch + y) * cw + x] = (v * Scale - Mean[c]) / Std[c];
                }
            }
        }
    }
}

/// <summary>A preprocessed input: Data laid out as Shape = [1, C, H, W], and its geometry.</summary>
public sealed record PreprocessResult(float[] Data, int[] Shape, ImageGeometry Geometry);

/// <summary>Ten crops: Data laid out as Shape = [10, C, H, W], Geometries[i] for crop i.</summary>
public sealed record TenCropResult(float[] Data, int[] Shape, ImageGeometry[] Geometries);

/// <summary>Named preprocessing recipes matching how the shared models were trained (see assets/MANIFEST.md).</summary>
public static class Preset
{
    /// <summary>torchvision ImageNet: RGB, shorter side 256 (bilinear), centre crop 224, /255,
    /// mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225). SqueezeNet 1.1.</summary>
    public static Preprocess ImagenetTorch { get; } = new()
    {
        Order = ChannelOrder.Rgb, Resize = ResizeMode.ShorterSide, ResizeWidth = 256, CropWidth = 224, CropHeight = 224,
        Scale = 1f / 255f, Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
    };

    /// <summary>Darknet: RGB, shorter side 224, centre crop 224, /255, no mean. Tiny Darknet.</summary>
    public static Preprocess Darknet { get; } = new()
    {
        Order = ChannelOrder.Rgb, Resize = ResizeMode.ShorterSide, ResizeWidth = 224, CropWidth = 224, CropHeight = 224, Scale = 1f / 255f,
    };

    /// <summary>Caffe ImageNet: BGR, 0..255 minus the ImageNet means B 103.939, G 116.779, R 123.68, warped to 256×256,
    /// centre crop 224 (RunTenCrop for Caffe's 10-crop).</summary>
    public static Preprocess ImagenetCaffe { get; } = new()
    {
        Order = ChannelOrder.Bgr, Resize = ResizeMode.Exact, ResizeWidth = 256, ResizeHeight = 256, CropWidth = 224, CropHeight = 224,
        Scale = 1f, Mean = [103.939f, 116.779f, 123.68f], Std = [1f, 1f, 1f],
    };

    /// <summary>Caffe LeNet MNIST: grey 28×28, white digit on black, v/256.</summary>
    public static Preprocess Mnist { get; } = new()
    {
        Order = ChannelOrder.Grey, Resize = ResizeMode.Exact, ResizeWidth = 28, ResizeHeight = 28, CropWidth = 0, CropHeight = 0,
        Scale = 1f / 256f, Mean = [0f], Std = [1f],
    };

    /// <summary>PyTorch MNIST: grey 28×28, (v/255 − 0.1307)/0.3081.</summary>
    public static Preprocess MnistPytorch { get; } = Mnist with { Scale = 1f / 255f, Mean = [0.1307f], Std = [0.3081f] };

    /// <summary>QuickDraw (DoodleNet): 28×28, ink = round(1 − mean(R, G, B)/255): dark strokes → 1, white → 0.</summary>
    public static Preprocess QuickDraw { get; } = new()
    {
        Order = ChannelOrder.Rgb, Resize = ResizeMode.Exact, ResizeWidth = 28, ResizeHeight = 28, CropWidth = 0, CropHeight = 0,
        Mapping = PixelMapping.QuickDrawInk,
    };

    public static IReadOnlyList<string> Names { get; } = ["imagenet-torch", "darknet", "imagenet-caffe", "mnist", "mnist-pytorch", "quickdraw"];

    /// <summary>A preset by name (case-insensitive).</summary>
    public static Preprocess Get(string name) => name.ToLowerInvariant() switch
    {
        "imagenet-torch" => ImagenetTorch,
        "darknet" => Darknet,
        "imagenet-caffe" => ImagenetCaffe,
        "mnist" => Mnist,
        "mnist-pytorch" => MnistPytorch,
        "quickdraw" => QuickDraw,
        _ => throw new ArgumentException($"unknown preprocessing preset '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
