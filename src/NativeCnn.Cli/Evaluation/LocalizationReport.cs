using System.Globalization;
using System.Text.Json;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations.PostProcessing;
using NativeCnn.Imaging;
using NativeCnn.Imaging.Drawing;
using NativeCnn.Imaging.Processing;

namespace NativeCnn.Cli.Evaluation;

/// <summary>Writes <c>report.md</c>, <c>report.html</c>, <c>summary.json</c>, the overlays and the cost charts of a <see cref="LocalizationStudy"/>.</summary>
public static class LocalizationReport
{
    private const int GallerySize = 3;
    private const int MaxMisclassified = 8;

    public static void Write(LocalizationStudy study, string outDir)
    {
        Directory.CreateDirectory(Path.Combine(outDir, "images"));
        var doc = new ReportDocument();
        int n = study.Images.Count;
        int off = study.OffCentre.Count;
        doc.H(1, "CNN Fixations: localization on ILSVRC2012 val images");
        doc.P($"{n} images, {off} of them off-centre (the centred box of {Pct(LocalizationStudy.OffCentreFraction)} of each side misses every ground-truth box). " +
            $"Models: {string.Join(", ", study.Models.Select(m => $"`{m.Name}` (preset {m.Cache.Meta.Preset}, {m.Cache.Meta.Options})"))}.");
        doc.P("**Scoring.** Top-1 localization is correct when the top-1 class is right and IoU ≥ 0.5 with a ground-truth box; GT-known " +
            "localization scores the box of the top-1 explanation alone; classification error is top-1. Our boxes are scored in the frame of the image " +
            "the network sees (the 227×227 files, boxes of the CSV's 227 column); the authors' boxes in original pixels against the original boxes " +
            "(inclusive integer boxes as [x1, x2+1), i.e. the devkit's +1 IoU).");
        doc.P("**Nothing is tuned on the numbers reported.** Images are split by val-ID parity into two folds; every tuned method picks its " +
            "configuration (largest GT-known accuracy, ties to the first in the grid) on one fold and is scored with it on the other, so every image " +
            "is reported once with parameters chosen without it. Grid: outlier box r ∈ {0.05, 0.1, 0.2} × f ∈ {0, 0.02, 0.05, 0.1}; heat-map box " +
            $"(σ = {HeatMapCache.SigmaFraction} × side) at {{0.2, 0.3, 0.5}} × max, largest 8-connected component or all pixels; the centred box 0.30–1.00 of each side.");
        foreach (var note in study.Notes)
        {
            doc.P("Note: " + note);
        }

        string[] methods = study.Models.Count > 0 ? study.Models[0].Methods.Select(m => m.Method).ToArray() : [];
        string[] header = ["method", .. study.Models.Select(m => m.Name)];
        doc.H(2, "Top-1 localization error (lower is better)");
        doc.Table(header, methods.Select(meth => (string[])[meth, .. study.Models.Select(m => Pct(m.Method(meth).All.Top1LocError))]));
        doc.H(2, "GT-known localization accuracy (higher is better)");
        doc.Table(header, methods.Select(meth => (string[])[meth, .. study.Models.Select(m => Pct(m.Method(meth).All.GtKnownAccuracy))]));
        doc.H(2, $"Off-centre slice: GT-known localization accuracy on the {off} off-centre images");
        doc.P("The centred box scores 0 here by construction (when its tuned size is 0.75). The authors' best, VGG-16, reaches 27.6 % on the 392 off-centre images of all 1000.");
        doc.Table(header, methods.Select(meth => (string[])[meth, .. study.Models.Select(m => Pct(m.Method(meth).OffCentre.GtKnownAccuracy))]));
        doc.H(2, "Classification");
        doc.Table(["model", "top-1 classification error", "mean backtracked points", "mean forward ms", "mean backtrack ms"], study.Models.Select(m => new[]
        {
            m.Name, Pct(m.Main.All.Top1ClsError),
            m.Cache.Results.Values.Where(r => study.Images.Any(a => a.ValId == r.ValId)).Average(r => r.Points.Length).ToString("F0", CultureInfo.InvariantCulture),
            m.Steps.Sum(s => s.ForwardMs).ToString("F1", CultureInfo.InvariantCulture), m.Steps.Sum(s => s.BacktrackMs).ToString("F2", CultureInfo.InvariantCulture),
        }));
        doc.H(2, "Chosen configurations (fold 0 = even val IDs is scored with the choice made on fold 1, and vice versa)");
        doc.Table(["model", "method", "used on even val IDs", "used on odd val IDs"],
            study.Models.SelectMany(m => m.Methods.Select(x => new[] { m.Name, x.Method, x.ChosenPerFold[0], x.ChosenPerFold[1] })));

        if (study.Authors.Count > 0)
        {
            doc.H(2, "The authors' published boxes, scored with the same scorer");
            doc.P("From `cnn-fixations-reference/bounding_box/*.txt` (top-1 class and box per val image, their Caffe networks on the full-resolution images). " +
                "'shared images' are the images of this report; 'full val' all 50,000 (the paper's Table I: AlexNet 65.70, VGG-16 55.22, GoogLeNet 57.53, ResNet 54.31).");
            doc.Table(["network", "images", "top-1 cls error", "top-1 loc error", "GT-known acc.", "off-centre GT-known acc.", "full val: top-1 loc error", "full val: GT-known acc."],
                study.Authors.Select(a => new[]
                {
                    a.Model, a.All.Images.ToString(CultureInfo.InvariantCulture), Pct(a.All.Top1ClsError), Pct(a.All.Top1LocError), Pct(a.All.GtKnownAccuracy),
                    Pct(a.OffCentre.GtKnownAccuracy), a.FullVal is { } f ? Pct(f.Top1LocError) : "-", a.FullVal is { } g ? Pct(g.GtKnownAccuracy) : "-",
                }));
            doc.H(3, "Our boxes against theirs");
            doc.P($"Our main method's boxes (mapped to original pixels) against the authors' boxes on the same images: mean IoU, fraction with IoU ≥ 0.5, and agreement of the top-1 class.");
            doc.Table(["ours", "theirs", "mean IoU", "IoU ≥ 0.5", "same class"], study.Agreements.OrderBy(a => a.Ours, StringComparer.Ordinal).ThenByDescending(a => a.MeanIoU)
                .Select(a => new[] { a.Ours, a.Theirs, a.MeanIoU.ToString("F3", CultureInfo.InvariantCulture), Pct(a.BoxAgreement), Pct(a.ClassAgreement) }));
            foreach (var g in study.Agreements.GroupBy(a => a.Ours))
            {
                var best = g.MaxBy(a => a.MeanIoU)!;
                doc.P($"Closest to `{g.Key}`: the authors' {best.Theirs} (mean IoU {best.MeanIoU:F3}, same class on {Pct(best.ClassAgreement)}).");
            }
        }

        WriteCosts(study, doc, outDir);
        WriteGallery(study, doc, outDir);

        File.WriteAllText(Path.Combine(outDir, "report.md"), doc.ToMarkdown());
        File.WriteAllText(Path.Combine(outDir, "report.html"), doc.ToHtml("CNN Fixations localization report", outDir));
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(SummaryObject(study), new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// summary.json: the required keys at the top level for the first model (fractions over the reported images), then
    /// the same for every model under "models", every method under "methods", and the authors' boxes under "authors".
    /// </summary>
    public static Dictionary<string, object?> SummaryObject(LocalizationStudy study)
    {
        Dictionary<string, object?> Keys(ModelStudy m) => new()
        {
            ["model"] = m.Name,
            ["images"] = m.Main.All.Images,
            ["top1_cls_error"] = m.Main.All.Top1ClsError,
            ["top1_loc_error"] = m.Main.All.Top1LocError,
            ["gt_known_loc_accuracy"] = m.Main.All.GtKnownAccuracy,
            ["baseline_center_gt_known_accuracy"] = m.Method(LocalizationStudy.Centre).All.GtKnownAccuracy,
            ["baseline_full_gt_known_accuracy"] = m.Method(LocalizationStudy.Full).All.GtKnownAccuracy,
            ["offcentre_images"] = m.Main.OffCentre.Images,
            ["offcentre_gt_known_accuracy"] = m.Main.OffCentre.GtKnownAccuracy,
            ["mean_forward_ms"] = m.Steps.Sum(s => s.ForwardMs),
            ["mean_backtrack_ms"] = m.Steps.Sum(s => s.BacktrackMs),
            ["methods"] = m.Methods.ToDictionary(x => x.Method, x => new Dictionary<string, object?>
            {
                ["top1_loc_error"] = x.All.Top1LocError,
                ["gt_known_loc_accuracy"] = x.All.GtKnownAccuracy,
                ["mean_best_iou"] = x.All.MeanBestIoU,
                ["offcentre_gt_known_accuracy"] = x.OffCentre.GtKnownAccuracy,
                ["offcentre_top1_loc_error"] = x.OffCentre.Top1LocError,
                ["chosen_even_val_ids"] = x.ChosenPerFold[0],
                ["chosen_odd_val_ids"] = x.ChosenPerFold[1],
            }),
        };

        var summary = study.Models.Count > 0 ? Keys(study.Models[0]) : [];
        summary["split"] = "2-fold cross-fitting by val-ID parity: each fold scored with parameters tuned on the other";
        summary["models"] = study.Models.ToDictionary(m => m.Name, m => (object?)Keys(m));
        summary["authors"] = study.Authors.ToDictionary(a => a.Model, a => (object?)new Dictionary<string, object?>
        {
            ["images"] = a.All.Images,
            ["top1_cls_error"] = a.All.Top1ClsError,
            ["top1_loc_error"] = a.All.Top1LocError,
            ["gt_known_loc_accuracy"] = a.All.GtKnownAccuracy,
            ["offcentre_gt_known_accuracy"] = a.OffCentre.GtKnownAccuracy,
            ["full_val_top1_loc_error"] = a.FullVal?.Top1LocError,
            ["full_val_gt_known_loc_accuracy"] = a.FullVal?.GtKnownAccuracy,
        });
        summary["agreement"] = study.Agreements.Select(a => new { ours = a.Ours, theirs = a.Theirs, mean_iou = a.MeanIoU, iou_at_least_half = a.BoxAgreement, same_class = a.ClassAgreement }).ToList();
        return summary;
    }

    /// <summary>A few lines for the terminal.</summary>
    public static string Summary(LocalizationStudy study)
    {
        var lines = new List<string>();
        foreach (var m in study.Models)
        {
            lines.Add($"{m.Name}: {m.Main.All.Images} images: top-1 cls error {Pct(m.Main.All.Top1ClsError)}, top-1 loc error {Pct(m.Main.All.Top1LocError)}, " +
                $"GT-known {Pct(m.Main.All.GtKnownAccuracy)} (centred box {Pct(m.Method(LocalizationStudy.Centre).All.GtKnownAccuracy)}, full image {Pct(m.Method(LocalizationStudy.Full).All.GtKnownAccuracy)}); " +
                $"off-centre ({m.Main.OffCentre.Images}) GT-known {Pct(m.Main.OffCentre.GtKnownAccuracy)}");
        }

        foreach (var a in study.Authors)
        {
            lines.Add($"authors' {a.Model}: top-1 loc error {Pct(a.All.Top1LocError)}, GT-known {Pct(a.All.GtKnownAccuracy)}, off-centre GT-known {Pct(a.OffCentre.GtKnownAccuracy)}" +
                (a.FullVal is { } f ? $"; full val top-1 loc error {Pct(f.Top1LocError)}" : ""));
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static void WriteCosts(LocalizationStudy study, ReportDocument doc, string outDir)
    {
        doc.H(2, "Cost: forward pass against backtracking");
        doc.P("Mean over the evaluated images of the per-op times measured during this run (a shared, busy machine: `nativecnn eval cost` measures more carefully).");
        doc.Table(["model", "forward ms", "backtrack ms", "backtrack / forward"], study.Models.Select(m =>
        {
            double f = m.Steps.Sum(s => s.ForwardMs), b = m.Steps.Sum(s => s.BacktrackMs);
            return new[] { m.Name, f.ToString("F1", CultureInfo.InvariantCulture), b.ToString("F2", CultureInfo.InvariantCulture), (b / f).ToString("F4", CultureInfo.InvariantCulture) };
        }));
        foreach (var m in study.Models)
        {
            doc.H(3, $"{m.Name}: per layer kind");
            doc.Table(["op", "steps", "forward ms", "backtrack ms", "backtrack / forward", "mean fixations"], CostTables.ByKind(m.Steps));
            string file = $"images/cost-{m.Name}.svg";
            var shown = m.Steps.Where(s => s.ForwardMs > 0 || s.BacktrackMs > 0).ToList();
            File.WriteAllText(Path.Combine(outDir, file), BarChart.ForwardVsBacktrack($"{m.Name}: forward vs backtrack per layer (mean ms)",
                shown.Select(s => CostTables.Label(s)).ToList(), shown.Select(s => s.ForwardMs).ToList(), shown.Select(s => s.BacktrackMs).ToList()));
            doc.Image(file, $"{m.Name}: forward and backtrack time per layer");
        }
    }

    private static void WriteGallery(LocalizationStudy study, ReportDocument doc, string outDir)
    {
        foreach (var m in study.Models)
        {
            var ranked = study.Images.OrderByDescending(a => m.Main.PerImage[a.ValId].Score.BestIoU).ThenBy(a => a.ValId).ToList();
            int mid = ranked.Count / 2;
            var groups = new (string Title, IEnumerable<AnnotatedImage> Items)[]
            {
                ("best", ranked.Take(GallerySize)),
                ("median", ranked.Skip(Math.Max(0, mid - (GallerySize / 2))).Take(GallerySize)),
                ("worst", ranked.AsEnumerable().Reverse().Take(GallerySize)),
            };
            doc.H(2, $"Gallery: {m.Name}, best, median and worst boxes (by IoU)");
            doc.P("Green: our box; yellow: ground truth; white dots: fixations kept; grey: outliers; heat map of the fixations.");
            foreach (var (title, items) in groups)
            {
                doc.H(3, title);
                foreach (var a in items)
                {
                    string file = DrawOverlay(study, m, a, outDir);
                    var r = m.Main.PerImage[a.ValId];
                    var res = m.Cache.Results[a.ValId];
                    doc.Image(file, $"val {a.ValId}: predicted {study.ClassNames[res.Predicted]}, truth {study.ClassNames[a.Label]}; IoU {r.Score.BestIoU:F2} ({r.Config})");
                }
            }

            var wrong = study.Images.Where(a => m.Cache.Results[a.ValId].Predicted != a.Label).ToList();
            doc.H(2, $"Explaining wrong predictions: {m.Name} ({wrong.Count} misclassified, first {Math.Min(MaxMisclassified, wrong.Count)})");
            doc.P("What the network looked at when it got the class wrong: the fixations of the (wrong) top-1 class.");
            foreach (var a in wrong.Take(MaxMisclassified))
            {
                string file = DrawOverlay(study, m, a, outDir);
                var res = m.Cache.Results[a.ValId];
                doc.Image(file, $"val {a.ValId}: predicted **{study.ClassNames[res.Predicted]}** ({res.Score:P0}), truth {study.ClassNames[a.Label]}; IoU {m.Main.PerImage[a.ValId].Score.BestIoU:F2}");
            }
        }
    }

    /// <summary>The image (twice its size) with heat map, fixations, ground truth and our box; returns the path relative to the report.</summary>
    private static string DrawOverlay(LocalizationStudy study, ModelStudy m, AnnotatedImage a, string outDir)
    {
        string rel = $"images/{m.Name}-{a.ValId}.png";
        string full = Path.Combine(outDir, rel);
        if (File.Exists(full))
        {
            return rel;
        }

        var res = m.Cache.Results[a.ValId];
        var rgb = ImageIO.Load(a.FullPath).ToRgb();
        var points = res.Points.Select(p => new ImagePoint(p[0], p[1])).ToList();
        var post = new FixationPostProcessor { Sigma = HeatMapCache.SigmaFraction * Math.Max(rgb.Width, rgb.Height) };
        var chosen = m.Main.PerImage[a.ValId];
        var (kept, outliers) = chosen.Config.StartsWith("outliers", StringComparison.Ordinal)
            ? SweepGrid.Outliers.OfType<OutlierBox>().First(o => o.Name == chosen.Config) is var o
                ? new FixationPostProcessor { RadiusFraction = o.Radius, NeighbourFraction = o.Fraction }.RemoveOutliers(points, rgb.Width, rgb.Height)
                : (points, [])
            : (points, new List<ImagePoint>());
        var overlay = Overlay.BlendHeatMap(rgb, post.HeatMap(points, rgb.Width, rgb.Height), ColorMap.Turbo, 0.5f, weightByHeat: true);
        const int S = 2;
        overlay = Resampler.ResizeBilinear(overlay, rgb.Width * S, rgb.Height * S);
        foreach (var p in outliers)
        {
            Draw.FilledCircle(overlay, (int)Math.Round(p.X * S), (int)Math.Round(p.Y * S), 2, new Rgb(150, 150, 150));
        }

        foreach (var p in kept)
        {
            Draw.FilledCircle(overlay, (int)Math.Round(p.X * S), (int)Math.Round(p.Y * S), 2, Rgb.White);
        }

        foreach (var g in a.TruthFrame)
        {
            Draw.Rectangle(overlay, (int)(g.X1 * S), (int)(g.Y1 * S), (int)(g.X2 * S) - 1, (int)(g.Y2 * S) - 1, Rgb.Yellow, 2);
        }

        if (chosen.Box is { } b)
        {
            Draw.Rectangle(overlay, (int)(b.X1 * S), (int)(b.Y1 * S), (int)(b.X2 * S) - 1, (int)(b.Y2 * S) - 1, Rgb.Green, 2);
        }

        string name = study.ClassNames[res.Predicted];
        Draw.Text(overlay, 2, 2, $"{(name.Length > 28 ? name[..28] : name)} {res.Score:P0}", res.Predicted == a.Label ? Rgb.White : Rgb.Red, Rgb.Black);
        ImageFiles.WriteAtomically(full, Imaging.Png.PngEncoder.Encode(overlay), new HashSet<string>());
        return rel;
    }

    internal static string Pct(double v) => double.IsNaN(v) ? "-" : (v * 100).ToString("F1", CultureInfo.InvariantCulture) + " %";
}

/// <summary>Cost tables shared by the localization report and <c>eval cost</c>.</summary>
public static class CostTables
{
    public static string Label(StepCost s) => $"{s.Step} {s.Op} {(s.Node.Length > 24 ? s.Node[..23] + "~" : s.Node)}";

    /// <summary>Rows per op kind: steps, summed forward and backtrack ms, their ratio, mean fixations per step.</summary>
    public static IEnumerable<string[]> ByKind(IReadOnlyList<StepCost> steps) =>
        steps.GroupBy(s => s.Op).OrderByDescending(g => g.Sum(s => s.ForwardMs)).Select(g =>
        {
            double f = g.Sum(s => s.ForwardMs), b = g.Sum(s => s.BacktrackMs);
            return new[]
            {
                g.Key, g.Count().ToString(CultureInfo.InvariantCulture), f.ToString("F2", CultureInfo.InvariantCulture), b.ToString("F3", CultureInfo.InvariantCulture),
                f > 0 ? (b / f).ToString("F4", CultureInfo.InvariantCulture) : "-", g.Average(s => s.Fixations).ToString("F1", CultureInfo.InvariantCulture),
            };
        }).Append(new[]
        {
            "total", steps.Count.ToString(CultureInfo.InvariantCulture), steps.Sum(s => s.ForwardMs).ToString("F2", CultureInfo.InvariantCulture),
            steps.Sum(s => s.BacktrackMs).ToString("F3", CultureInfo.InvariantCulture),
            (steps.Sum(s => s.BacktrackMs) / Math.Max(1e-12, steps.Sum(s => s.ForwardMs))).ToString("F4", CultureInfo.InvariantCulture), "",
        });
}
