using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations;
using NativeCnn.Fixations.PostProcessing;
using NativeCnn.Imaging;
using NativeCnn.Imaging.Drawing;

namespace NativeCnn.Cli.Commands;

/// <summary>
/// <c>nativecnn explain MODEL IMAGE|DIR… [--class K] [--top K] [--preset NAME] [--out DIR] [--layers] [--timing]</c>:
/// CNN Fixations for each image: NAME.overlay.png, NAME.heatmap.png and NAME.fixations.json in the output folder.
/// </summary>
public static class ExplainCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var images = ImageOptions.Images();
        var cls = new Option<int?>("--class") { Description = "explain this class index instead of the top-1 prediction" };
        var top = ImageOptions.Top(1);
        top.Description = "explain each of the top K classes (files NAME.rankN.* for N > 1)";
        var value = new Option<string?>("--value") { Description = "start at a neuron of any value (by name) instead of a class; use with --index" };
        var index = new Option<long>("--index") { Description = "flat (row-major) index of the start neuron in --value" };
        var preset = ImageOptions.Preset();
        var labels = ImageOptions.Labels();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder (created if missing)", DefaultValueFactory = _ => new DirectoryInfo("nativecnn-out") };
        var layers = new Option<bool>("--layers") { Description = "also write NAME.layers.png: the fixations of every spatial layer on the path, drawn on the image, and list each layer's points in the JSON" };
        var timing = new Option<bool>("--timing") { Description = "print forward and backtrack time per op" };
        var colormap = new Option<string>("--colormap") { Description = "heat-map colours: " + string.Join(", ", ColorMap.Names), DefaultValueFactory = _ => "turbo" };
        var rules = new FixationCliOptions();
        var sigma = new Option<double>("--sigma") { Description = "heat-map Gaussian σ in original-image pixels", DefaultValueFactory = _ => 20 };
        var radius = new Option<double>("--outlier-radius") { Description = "neighbourhood radius for outlier removal, as a fraction of the image diagonal", DefaultValueFactory = _ => 0.10 };
        var fraction = new Option<double>("--outlier-fraction") { Description = "a point is kept when more than this fraction of all points lie within the radius", DefaultValueFactory = _ => 0.05 };
        var threads = CommonOptions.Threads();
        var exact = CommonOptions.Exact();
        var cmd = new Command("explain", "explain predictions with CNN Fixations: overlay, heat map and fixation points per image")
        {
            model, images, cls, top, value, index, preset, labels, outDir, layers, timing, colormap, sigma, radius, fraction, threads, exact,
        };
        rules.AddTo(cmd);
        cmd.SetAction(p => CliErrors.Guard(() =>
        {
            var settings = new ExplainSettings(
                p.GetValue(cls), p.GetValue(top), p.GetValue(value), p.GetValue(index), p.GetValue(layers), p.GetValue(timing),
                ColorMapOrThrow(p.GetValue(colormap)!),
                rules.Parse(p),
                new FixationPostProcessor { Sigma = p.GetValue(sigma), RadiusFraction = p.GetValue(radius), NeighbourFraction = p.GetValue(fraction) });
            return Run(p.GetValue(model)!, p.GetValue(images)!, p.GetValue(preset), p.GetValue(labels), p.GetValue(outDir)!, settings,
                CommonOptions.CheckThreads(p.GetValue(threads)), p.GetValue(exact));
        }));
        return cmd;
    }

    private sealed record ExplainSettings(int? Class, int Top, string? Value, long Index, bool Layers, bool Timing, ColorMap ColorMap,
        FixationOptions Options, FixationPostProcessor Post);

    private static int Run(FileInfo modelFile, string[] imageArgs, string? preset, string? labels, DirectoryInfo outDir, ExplainSettings s, int threads, bool exact)
    {
        if (s.Top < 1)
        {
            throw new CliException("--top must be at least 1", ExitCodes.Usage);
        }

        if (s.Post.Sigma <= 0 || s.Post.RadiusFraction <= 0 || s.Post.NeighbourFraction is < 0 or >= 1)
        {
            throw new CliException("--sigma and --outlier-radius must be positive and --outlier-fraction in [0, 1)", ExitCodes.Usage);
        }

        var files = ImageFiles.Expand(imageArgs);
        var inputs = files.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        using var model = new ImageModel(modelFile.FullName, preset, labels, threads, exact: exact);
        Console.Error.WriteLine($"preset {model.Profile.PresetName} ({model.Profile.Reason}); labels: {model.Profile.Labels.Source}");
        var backtracker = new Backtracker(s.Options);
        outDir.Create();
        Explanation? last = null;
        int failures = ImageFiles.ForEachImage(files, "explaining", (file, image) =>
        {
            var prediction = model.Predict(image);
            var starts = Backtracker.Resolve(new StoreActivationSource(model.Store), StartFor(s, prediction));
            string stem = Path.GetFileNameWithoutExtension(file);
            foreach (var start in starts)
            {
                var e = Explainer.Explain(model, image, prediction, start, backtracker, s.Post);
                string name = start.Rank > 0 ? $"{stem}.rank{start.Rank + 1}" : stem;
                Write(model, file, image, e, s, Path.Combine(outDir.FullName, name), inputs);
                Console.WriteLine($"{file}: {e.Class.Class} {e.Class.Label} {e.Class.Score:P1}, {e.Post.Kept.Count}/{e.RawPoints.Count} points, " +
                    $"box {(e.Post.Box is { } b ? $"[{b.X0},{b.Y0},{b.X1},{b.Y1}]" : "none")}, forward {e.ForwardMs:F1} ms, backtrack {e.BacktrackMs:F1} ms → {Path.Combine(outDir.FullName, name)}.*");
                last = e;
            }
        });

        if (s.Timing && last is not null)
        {
            PrintTiming(last);
        }

        return failures == 0 ? ExitCodes.Ok : ExitCodes.BadInput;
    }

    private static StartPoint StartFor(ExplainSettings s, Prediction prediction)
    {
        if (s.Value is not null)
        {
            return StartPoint.Neuron(s.Value, s.Index);
        }

        if (s.Class is int c)
        {
            if (c < 0 || c >= prediction.Probabilities.Length)
            {
                throw new CliException($"--class {c} is out of range: the model has {prediction.Probabilities.Length} classes (0..{prediction.Probabilities.Length - 1})", ExitCodes.BadInput);
            }

            return StartPoint.Class(c);
        }

        return s.Top > 1 ? StartPoint.TopK(s.Top) : StartPoint.TopClass();
    }

    private static void Write(ImageModel model, string file, Image image, Explanation e, ExplainSettings s, string stem, IReadOnlySet<string> inputs)
    {
        var rgb = image.ToRgb();
        var heat = e.Post.HeatMap;
        var overlay = Overlay.BlendHeatMap(rgb, heat, s.ColorMap, 0.6f, weightByHeat: true);
        int dot = Math.Max(1, (int)Math.Round(Math.Max(image.Width, image.Height) / 300.0));
        foreach (var p in e.Post.Outliers)
        {
            Draw.FilledCircle(overlay, (int)Math.Round(p.X), (int)Math.Round(p.Y), dot, new Rgb(160, 160, 160));
        }

        foreach (var p in e.Post.Kept)
        {
            Draw.FilledCircle(overlay, (int)Math.Round(p.X), (int)Math.Round(p.Y), dot, Rgb.White);
        }

        if (e.Post.Box is { } box)
        {
            Draw.Rectangle(overlay, box.X0, box.Y0, box.X1, box.Y1, Rgb.Green, Math.Max(2, dot));
        }

        int scale = Math.Max(1, Math.Min(image.Width, image.Height) / 200);
        Draw.Text(overlay, 2, 2, $"{e.Class.Label} {e.Class.Score:P1}", Rgb.White, Rgb.Black, scale);

        ImageFiles.SavePng(overlay, stem + ".overlay.png", inputs);
        ImageFiles.SavePng(Overlay.HeatMap(heat, image.Width, image.Height, s.ColorMap), stem + ".heatmap.png", inputs);
        if (s.Layers)
        {
            ImageFiles.SavePng(LayerSheet.Build(model, rgb, e, s.ColorMap), stem + ".layers.png", inputs);
        }

        var json = new
        {
            model = model.ModelPath,
            image = Path.GetFullPath(file),
            width = image.Width,
            height = image.Height,
            preset = model.Profile.PresetName,
            @class = e.Class.Class,
            label = e.Class.Label,
            score = e.Class.Score,
            points = e.Post.Kept.Select(p => new[] { Math.Round(p.X, 2), Math.Round(p.Y, 2) }),
            rawPoints = e.RawPoints.Select(p => new[] { Math.Round(p.X, 2), Math.Round(p.Y, 2) }),
            box = e.Post.Box is { } b ? new[] { b.X0, b.Y0, b.X1, b.Y1 } : null,
            layers = e.Layers.Select(l => new { value = l.Value, count = l.Count }),
            timing = new { forwardMs = e.ForwardMs, backtrackMs = e.BacktrackMs, postprocessMs = e.PostprocessMs },
            ops = e.Costs.Select(c => new { step = c.Step, op = c.Op, node = c.Node, forwardMs = c.ForwardMs, backtrackMs = c.BacktrackMs, fixations = c.Fixations }),
            options = new
            {
                convLocation = s.Options.ConvLocation.ToString(), fcAfterFlatten = s.Options.FcAfterFlatten.ToString(), averagePool = s.Options.AveragePool.ToString(),
                sigma = s.Post.Sigma, outlierRadius = s.Post.RadiusFraction, outlierFraction = s.Post.NeighbourFraction,
            },
        };
        ImageFiles.WriteAtomically(stem + ".fixations.json", JsonSerializer.SerializeToUtf8Bytes(json, new JsonSerializerOptions { WriteIndented = true }), inputs);
    }

    private static void PrintTiming(Explanation e)
    {
        var table = new TextTable("#", "op", "node", "forward ms", "backtrack ms", "backtrack/forward", "fixations");
        foreach (var c in e.Costs)
        {
            table.AddRow(
                c.Step.ToString(CultureInfo.InvariantCulture), c.Op, c.Node.Length > 32 ? c.Node[..31] + "…" : c.Node,
                c.ForwardMs.ToString("F3", CultureInfo.InvariantCulture), c.BacktrackMs.ToString("F3", CultureInfo.InvariantCulture),
                c.ForwardMs > 0 ? (c.BacktrackMs / c.ForwardMs).ToString("F3", CultureInfo.InvariantCulture) : "-",
                c.Fixations.ToString(CultureInfo.InvariantCulture));
        }

        double f = e.Costs.Sum(c => c.ForwardMs), b = e.BacktrackMs;
        table.AddRow("", "total", "", f.ToString("F3", CultureInfo.InvariantCulture), b.ToString("F3", CultureInfo.InvariantCulture),
            f > 0 ? (b / f).ToString("F3", CultureInfo.InvariantCulture) : "-", "");
        table.Print();
        Console.WriteLine($"post-processing {e.PostprocessMs:F3} ms (last image)");
    }

    private static ColorMap ColorMapOrThrow(string name) =>
        ColorMap.Names.Contains(name.ToLowerInvariant()) ? ColorMap.Get(name) : throw new CliException($"--colormap: unknown '{name}'; known: {string.Join(", ", ColorMap.Names)}", ExitCodes.Usage);

}
