using System.CommandLine;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Imaging;
using NativeCnn.Imaging.Drawing;
using NativeCnn.Runtime;

namespace NativeCnn.Cli.Commands;

/// <summary><c>nativecnn activations MODEL IMAGE --value NAME --out grid.png</c>: every channel of one stored value as a grid image.</summary>
public static class ActivationsCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var image = new Argument<FileInfo>("image") { Description = "the image to run" };
        var value = new Option<string>("--value") { Description = "the value to show (any activation name; `nativecnn inspect` lists them)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "the PNG to write", Required = true };
        var scale = new Option<int>("--scale") { Description = "magnify each cell (nearest)", DefaultValueFactory = _ => 2 };
        var preset = ImageOptions.Preset();
        var threads = CommonOptions.Threads();
        var exact = CommonOptions.Exact();
        var cmd = new Command("activations", "draw every channel of one activation as a grid (what does conv1 see?)") { model, image, value, output, scale, preset, threads, exact };
        cmd.SetAction(p => CliErrors.Guard(() => Run(
            p.GetValue(model)!, p.GetValue(image)!, p.GetValue(value)!, p.GetValue(output)!, p.GetValue(scale), p.GetValue(preset),
            CommonOptions.CheckThreads(p.GetValue(threads)), p.GetValue(exact))));
        return cmd;
    }

    private static int Run(FileInfo modelFile, FileInfo imageFile, string value, FileInfo output, int scale, string? preset, int threads, bool exact)
    {
        using var model = new ImageModel(modelFile.FullName, preset, null, threads, exact: exact);
        var img = ImageIO.Load(imageFile.FullName);
        model.Predict(img);
        if (!model.Store.TryGet(value, out var view))
        {
            model.Store.IsElided(value, out var by);
            throw new CliException(by is null
                ? $"the model has no value named '{value}' (see `nativecnn inspect`)"
                : $"value '{value}' was fused away; it is replaced by '{by}'", ExitCodes.BadInput);
        }

        if (view.DataType != DataType.Float32 || view.Rank is < 3 or > 4 || (view.Rank == 4 && view.Shape[0] != 1))
        {
            throw new CliException($"value '{value}' is {view.DataType}{ShapeUtil.Format(view.Shape)}; a channel grid needs float [1,C,H,W] or [C,H,W]", ExitCodes.BadInput);
        }

        int c = view.Shape[^3], h = view.Shape[^2], w = view.Shape[^1];
        var data = Array.ConvertAll(view.ToDoubleArray(), d => (float)d);
        var grid = ChannelGrid.Build(data, c, h, w, cellScale: Math.Max(1, scale));
        ImageFiles.SavePng(grid, output.FullName, new HashSet<string>([imageFile.FullName, modelFile.FullName], StringComparer.Ordinal));
        Console.WriteLine($"wrote {c} channels of {value} {ShapeUtil.Format(view.Shape)} to {output.FullName}");
        return ExitCodes.Ok;
    }
}
