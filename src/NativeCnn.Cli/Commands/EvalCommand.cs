using System.CommandLine;
using NativeCnn.Cli.Evaluation;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations;

namespace NativeCnn.Cli.Commands;

/// <summary>
/// <c>nativecnn eval localization MODEL… --images DIR --annotations FILE [--out DIR] [--limit N]</c> and
/// <c>nativecnn eval cost MODEL… [--images FILE|DIR…] [--runs N] [--out DIR]</c>: measure how well CNN Fixations
/// localizes the recognised object (against baselines and the authors' published boxes), and what it costs.
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var cmd = new Command("eval", "measure CNN Fixations: localization on annotated ImageNet images, and the cost of backtracking against the forward pass");
        cmd.Subcommands.Add(Localization());
        cmd.Subcommands.Add(Cost());
        return cmd;
    }

    private static Command Localization()
    {
        var models = new Argument<FileInfo[]>("model") { Description = "the ONNX model file(s), ImageNet classifiers with 1000 outputs", Arity = ArgumentArity.OneOrMore };
        var images = new Option<DirectoryInfo?>("--images") { Description = "the folder the annotation file's paths are relative to (default: the assets' images/ilsvrc2012-val-227)" };
        var annotations = new Option<FileInfo?>("--annotations") { Description = "the annotation CSV (default: the assets' annotations/ilsvrc2012-val-227.csv)" };
        var preset = ImageOptions.Preset();
        var method = new Option<string>("--method") { Description = "the explanation method (only 'fixations' so far)", DefaultValueFactory = _ => "fixations" };
        var limit = new Option<int?>("--limit") { Description = "only the first N images of the annotation file (a quick look)" };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder: report.md, report.html, summary.json, images, and the resumable per-image cache", DefaultValueFactory = _ => new DirectoryInfo("nativecnn-eval") };
        var fromCache = new Option<bool>("--from-cache") { Description = "run no network: report on the images already in the cache (e.g. of an interrupted run)" };
        var reference = new Option<DirectoryInfo?>("--reference") { Description = "the CNN-Fixations authors' bounding_box folder (default: the assets' cnn-fixations-reference/bounding_box)" };
        var valGt = new Option<DirectoryInfo?>("--val-gt") { Description = "the full ILSVRC2012 val ground truth, to score the authors' 50,000 boxes (default: the assets' annotations/ilsvrc2012-val-gt)" };
        var threads = CommonOptions.Threads();
        var rules = new FixationCliOptions();
        var cmd = new Command("localization", "top-1 localization, GT-known localization and classification of CNN Fixations boxes, with baselines, the authors' boxes, a held-out parameter sweep, and a report")
        {
            models, images, annotations, preset, method, limit, outDir, fromCache, reference, valGt, threads,
        };
        rules.AddTo(cmd);
        cmd.SetAction(p => CliErrors.Guard(() =>
        {
            if (!string.Equals(p.GetValue(method), "fixations", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException($"--method: unknown '{p.GetValue(method)}'; only 'fixations' is implemented", ExitCodes.Usage);
            }

            var modelFiles = p.GetValue(models)!;
            string? assets = AssetsFolder.Find(modelFiles[0].FullName);
            string Default(string? given, params string[] parts) =>
                given ?? (assets is null ? throw new CliException($"no assets folder found; pass {parts[^1]} explicitly", ExitCodes.Usage) : Path.Combine([assets, .. parts]));
            var settings = new LocalizationSettings(
                modelFiles.Select(f => f.FullName).ToList(),
                Default(p.GetValue(images)?.FullName, "images", "ilsvrc2012-val-227"),
                Default(p.GetValue(annotations)?.FullName, "annotations", "ilsvrc2012-val-227.csv"),
                p.GetValue(preset), p.GetValue(limit), p.GetValue(outDir)!.FullName, p.GetValue(fromCache),
                p.GetValue(reference)?.FullName ?? (assets is null ? null : Path.Combine(assets, "cnn-fixations-reference", "bounding_box")),
                p.GetValue(valGt)?.FullName ?? (assets is null ? null : Path.Combine(assets, "annotations", "ilsvrc2012-val-gt")),
                assets, CommonOptions.CheckThreads(p.GetValue(threads)), rules.Parse(p));
            return RunLocalization(settings);
        }));
        return cmd;
    }

    private static Command Cost()
    {
        var models = new Argument<FileInfo[]>("model") { Description = "the ONNX model file(s)", Arity = ArgumentArity.OneOrMore };
        var images = new Option<string[]>("--images") { Description = "image files or folders to run on (default: the assets' demo chelsea.png)", AllowMultipleArgumentsPerToken = true };
        var runs = new Option<int>("--runs") { Description = "timed runs per image (the median is reported)", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs per image first", DefaultValueFactory = _ => 1 };
        var preset = ImageOptions.Preset();
        var outDir = new Option<DirectoryInfo>("--out") { Description = "output folder: cost.md, cost.html, cost.json, cost-MODEL.svg", DefaultValueFactory = _ => new DirectoryInfo("nativecnn-cost") };
        var threads = CommonOptions.Threads();
        var cmd = new Command("cost", "time the forward pass and the fixation backtrack per layer, many times, and chart them")
        {
            models, images, runs, warmup, preset, outDir, threads,
        };
        cmd.SetAction(p => CliErrors.Guard(() =>
        {
            var modelFiles = p.GetValue(models)!;
            int n = p.GetValue(runs), w = p.GetValue(warmup);
            if (n < 1 || w < 0)
            {
                throw new CliException("--runs must be at least 1 and --warmup at least 0", ExitCodes.Usage);
            }

            var given = p.GetValue(images) ?? [];
            if (given.Length == 0)
            {
                string? assets = AssetsFolder.Find(modelFiles[0].FullName) ?? throw new CliException("no assets folder found; pass --images", ExitCodes.Usage);
                given = [Path.Combine(assets, "images", "demo", "skimage", "chelsea.png")];
            }

            var files = ImageFiles.Expand(given);
            int threadCount = CommonOptions.CheckThreads(p.GetValue(threads));
            var costs = modelFiles.Select(m => CostStudy.Measure(m.FullName, p.GetValue(preset), threadCount, files, n, w)).ToList();
            string dir = p.GetValue(outDir)!.FullName;
            CostStudy.Write(costs, files, dir);
            foreach (var c in costs)
            {
                Console.WriteLine(FormattableString.Invariant(
                    $"{c.Model}: forward {c.ForwardMs:F2} ms, backtrack {c.BacktrackMs:F3} ms, backtrack/forward {c.Ratio:F4} (median of {c.Runs} runs × {c.Images} images)"));
                foreach (var row in CostTables.ByKind(c.Steps))
                {
                    Console.WriteLine($"  {row[0],-20} steps {row[1],3}  forward {row[2],9} ms  backtrack {row[3],8} ms  ratio {row[4],8}  fixations {row[5]}");
                }
            }

            Console.WriteLine($"report: {Path.Combine(dir, "cost.md")}, {Path.Combine(dir, "cost.html")}, {Path.Combine(dir, "cost.json")}");
            return ExitCodes.Ok;
        }));
        return cmd;
    }

    private static int RunLocalization(LocalizationSettings s)
    {
        if (s.Limit is < 1)
        {
            throw new CliException("--limit must be at least 1", ExitCodes.Usage);
        }

        var synsets = s.Assets is null ? null : Labels.ImagenetCaffe(s.Assets).Synsets;
        List<AnnotatedImage> images;
        try
        {
            images = AnnotationFile.Load(s.Annotations, s.Images, synsets);
        }
        catch (AnnotationException e)
        {
            throw new CliException("annotations: " + e.Message, ExitCodes.BadInput);
        }

        if (s.Limit is int n)
        {
            images = images.Take(n).ToList();
        }

        string cacheDir = Path.Combine(s.Out, "cache");
        var runs = new List<ModelRun>();
        foreach (var model in s.Models)
        {
            ResultCache cache;
            if (s.FromCache)
            {
                cache = ResultCache.TryRead(cacheDir, ResultCache.Stem(model)) ?? throw new CliException($"--from-cache: no cache for {Path.GetFileName(model)} in {cacheDir}", ExitCodes.BadInput);
            }
            else
            {
                cache = LocalizationRunner.Run(model, s.Preset, s.Threads, images, cacheDir, s.Options);
            }

            runs.Add(new ModelRun(Path.GetFileNameWithoutExtension(model), cache));
        }

        var study = LocalizationStudy.Build(images, runs, s.Reference, s.ValGt, s.Assets);
        LocalizationReport.Write(study, s.Out);
        Console.WriteLine(LocalizationReport.Summary(study));
        Console.WriteLine($"report: {Path.Combine(s.Out, "report.md")}, {Path.Combine(s.Out, "report.html")}, {Path.Combine(s.Out, "summary.json")}");
        return ExitCodes.Ok;
    }

    private sealed record LocalizationSettings(
        List<string> Models, string Images, string Annotations, string? Preset, int? Limit, string Out, bool FromCache,
        string? Reference, string? ValGt, string? Assets, int Threads, Fixations.FixationOptions Options);
}
