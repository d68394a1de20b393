using NativeCnn.Imaging;
using NativeCnn.Imaging.Drawing;
using NativeCnn.Imaging.Processing;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Cli.Pipeline;

/// <summary>
/// The paper's per-layer figure: one tile per spatial value on the backtrack path (rank 4, N×C×H×W), each the
/// image with that layer's fixations drawn where their cell lies (cell centre mapped proportionally onto the network
/// input, then through the crop and resize), labelled with the value name and count.
/// </summary>
public static class LayerSheet
{
    private const int TileWidth = 224;

    public static Image Build(ImageModel model, Image rgb, Explanation e, ColorMap map)
    {
        // One tile per layer that moves points (conv, pooling, merges) and the input; values of element-wise ops
        // (ReLU, BatchNormalization…) hold the same points as the value they follow.
        var plan = model.Store.Plan;
        bool Moves(string name) => !plan.Values.TryGetValue(name, out var v) || v.Producer < 0 ||
            plan.Steps[v.Producer].Kind is OpKind.Conv or OpKind.ConvTranspose or OpKind.MaxPool or OpKind.AveragePool
                or OpKind.Concat or OpKind.Add or OpKind.Sum or OpKind.Pad or OpKind.Slice;
        var layers = e.PathValues.Where(v => v.Shape.Length == 4 && v.Shape[2] * v.Shape[3] > 1 && v.Count > 0 && Moves(v.Name)).ToList();
        int tileH = Math.Max(1, (int)Math.Round((double)TileWidth * rgb.Height / rgb.Width));
        var thumb = Resampler.ResizeBilinear(rgb, TileWidth, tileH);
        int cols = Math.Max(1, Math.Min(4, layers.Count));
        int rows = Math.Max(1, (layers.Count + cols - 1) / cols);
        var sheet = new Image(cols * TileWidth, rows * tileH, 3);
        var input = model.Store[model.InputName];
        int inH = input.Shape[2], inW = input.Shape[3];
        var geo = model.LastGeometry;
        for (int t = 0; t < layers.Count; t++)
        {
            var layer = layers[t];
            var tile = thumb.Clone();
            int lh = layer.Shape[2], lw = layer.Shape[3];
            var seen = new HashSet<(int, int)>();
            foreach (var c in layer.AllCoordinates())
            {
                if (!seen.Add((c[2], c[3])))
                {
                    continue;
                }

                double ix = ((c[3] + 0.5) * inW / lw) - 0.5, iy = ((c[2] + 0.5) * inH / lh) - 0.5;
                var (ox, oy) = geo is null ? (ix, iy) : geo.ToOriginal(ix, iy);
                int tx = (int)Math.Round(ox * TileWidth / rgb.Width), ty = (int)Math.Round(oy * tileH / rgb.Height);
                Draw.FilledCircle(tile, tx, ty, 3, Rgb.Black);
                Draw.FilledCircle(tile, tx, ty, 2, Rgb.Yellow);
            }

            string name = layer.Name.Length > 22 ? layer.Name[..21] + "~" : layer.Name;
            Draw.Text(tile, 1, 1, $"{name} {layer.Count}", Rgb.White, Rgb.Black);
            Blit(tile, sheet, (t % cols) * TileWidth, t / cols * tileH);
        }

        return sheet;
    }

    private static void Blit(Image src, Image dst, int x0, int y0)
    {
        for (int y = 0; y < src.Height; y++)
        {
            Array.Copy(src.Pixels, y * src.Width * 3, dst.Pixels, ((y0 + y) * dst.Width + x0) * 3, src.Width * 3);
        }
    }
}
