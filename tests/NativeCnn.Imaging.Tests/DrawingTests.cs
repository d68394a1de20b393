using NativeCnn.Imaging.Drawing;
using NativeCnn.Imaging.Png;

namespace NativeCnn.Imaging.Tests;

public sealed class DrawingTests
{
    [Fact]
    public void ColorMaps_HaveTheirKnownEndpointsAndAreSmooth()
    {
        Assert.Equal(new Rgb(0x44, 0x01, 0x54), ColorMap.Viridis.Map(0f));
        Assert.Equal(new Rgb(0xfd, 0xe7, 0x25), ColorMap.Viridis.Map(1f));
        Assert.Equal(new Rgb(0x21, 0x91, 0x8c), ColorMap.Viridis.Map(0.5f));
        Assert.Equal(new Rgb(0, 0, 128), ColorMap.Jet.Map(0f));       // 1.5 − |0 − 1| = 0.5 blue
        Assert.Equal(new Rgb(128, 0, 0), ColorMap.Jet.Map(1f));
        // 0.5 maps to entry 128, t = 128/255: R = 1.5 − |4t − 3| = 0.508 → 130, G = 1, B = 0.492 → 126
        Assert.Equal(new Rgb(130, 255, 126), ColorMap.Jet.Map(0.5f));
        Rgb t0 = ColorMap.Turbo.Map(0f), tb = ColorMap.Turbo.Map(0.15f), t1 = ColorMap.Turbo.Map(1f), tm = ColorMap.Turbo.Map(0.5f);
        Assert.Equal(new Rgb(35, 23, 27), t0); // the polynomial's constant terms · 255
        Assert.True(tb.B > 200 && tb.B > tb.R && tb.B > tb.G, $"turbo is blue at 0.15: {tb}");
        Assert.True(t1.R > t1.G && t1.R > t1.B, $"turbo ends red: {t1}");
        Assert.True(tm.G > 200, $"turbo is green-ish in the middle: {tm}");
        foreach (string name in ColorMap.Names)
        {
            byte[] t = ColorMap.Get(name).Table;
            Assert.Equal(768, t.Length);
            for (int i = 1; i < 256; i++)
            {
                for (int c = 0; c < 3; c++)
                {
                    // steepest: turbo blue near 0, slope 12.6/255 per entry
                    Assert.True(Math.Abs(t[3 * i + c] - t[3 * (i - 1) + c]) <= 16, $"{name} jumps at {i}");
                }
            }
        }
    }

    [Fact]
    public void HeatMapBlend_AndWeightedBlend()
    {
        var img = new Image(4, 2, 3);
        Array.Fill(img.Pixels, (byte)100);
        float[] heat = [0, 0.25f, 0.5f, 1, 1, 1, 0, 0];
        Image h = Overlay.HeatMap(heat, 4, 2, ColorMap.Jet);
        Assert.Equal(ColorMap.Jet.Map(1f).R, h[3, 0, 0]);
        Image b = Overlay.BlendHeatMap(img, heat, ColorMap.Jet, 0.5f);
        Assert.Equal((byte)MathF.Round(0.5f * 100 + 0.5f * 128), b[3, 0, 0]);
        Image w = Overlay.BlendHeatMap(img, heat, ColorMap.Jet, 0.5f, weightByHeat: true);
        Assert.Equal(100, w[0, 0, 0]); // heat 0 keeps the photo
        Assert.Equal(b[3, 0, 0], w[3, 0, 0]);
        Assert.Throws<ArgumentException>(() => Overlay.HeatMap(heat, 3, 3, ColorMap.Jet));
    }

    [Fact]
    public void DotsBoxesAndText()
    {
        var img = new Image(40, 30, 3);
        Draw.FilledCircle(img, 10, 10, 3, Rgb.Red);
        Assert.Equal(255, img[10, 13, 0]);
        Assert.Equal(255, img[7, 10, 0]);
        Assert.Equal(0, img[13, 13, 0]); // corner of the bounding square is outside the circle
        Draw.FilledCircle(img, -1, -1, 2, Rgb.Green); // clipped, no exception
        Assert.Equal(255, img[0, 0, 1]);

        var box = new Image(20, 20, 3);
        Draw.Rectangle(box, 2, 3, 12, 15, Rgb.Blue, thickness: 2);
        Assert.Equal(255, box[2, 3, 2]);
        Assert.Equal(255, box[3, 10, 2]);   // second pixel of the left edge
        Assert.Equal(0, box[4, 10, 2]);     // inside
        Assert.Equal(255, box[12, 15, 2]);
        Assert.Equal(0, box[13, 15, 2]);
        Draw.Rectangle(box, -5, -5, 100, 100, Rgb.White); // clipped

        var label = new Image(100, 20, 3);
        (int tw, int th) = Draw.Text(label, 1, 1, "cat 0.93", Rgb.White, Rgb.Black);
        Assert.Equal((8 * 6 + 4, 8 + 4), (tw, th));
        int lit = 0;
        for (int i = 0; i < label.Pixels.Length; i += 3)
        {
            lit += label.Pixels[i] == 255 ? 1 : 0;
        }

        Assert.True(lit > 40, $"text drew only {lit} pixels");
    }

    [Fact]
    public void Font_CoversPrintableAscii_WithDistinctGlyphs()
    {
        var seen = new HashSet<string>();
        for (char c = ' '; c <= '~'; c++)
        {
            string key = string.Join(",", Enumerable.Range(0, 5).Select(i => BitmapFont.Column(c, i)));
            Assert.True(seen.Add(key), $"glyph for '{c}' duplicates another");
            Assert.True(c == ' ' || key != "0,0,0,0,0", $"glyph for '{c}' is empty");
            Assert.All(Enumerable.Range(0, 5), i => Assert.True(BitmapFont.Column(c, i) < 0x80));
        }

        Assert.Equal(BitmapFont.Column('?', 2), BitmapFont.Column('\u00e9', 2));
    }

    [Fact]
    public void ChannelGrid_NormalisesEachChannel_AndSavesAsPng()
    {
        // 5 channels of 2×3: channel c holds c·(0..5); channel 0 is constant 0.
        float[] act = new float[5 * 2 * 3];
        for (int c = 0; c < 5; c++)
        {
            for (int i = 0; i < 6; i++)
            {
                act[c * 6 + i] = c * i;
            }
        }

        Image g = ChannelGrid.Build(act, 5, 2, 3, cellScale: 2, padding: 1);
        // 3 columns (ceil √5), 2 rows; cells 6×4.
        Assert.Equal((3 * 6 + 4, 2 * 4 + 3, 1), (g.Width, g.Height, g.Channels));
        Assert.Equal(0, g[1, 1, 0]);           // constant channel → 0
        Assert.Equal(0, g[8, 1, 0]);           // channel 1 min
        Assert.Equal(255, g[8 + 5, 1 + 3, 0]); // channel 1 max (last pixel, magnified)
        Assert.Equal(32, g[0, 0, 0]);          // padding
        Image coloured = ChannelGrid.Build(act, 5, 2, 3, map: ColorMap.Viridis);
        Assert.Equal(3, coloured.Channels);
        byte[] png = PngEncoder.Encode(coloured);
        Assert.Equal(coloured.Pixels, ImageIO.Decode(png).Pixels);
    }
}
