using NativeCnn.Fixations.PostProcessing;

namespace NativeCnn.Cli.Evaluation;

/// <summary>One model's cached results.</summary>
public sealed record ModelRun(string Name, ResultCache Cache);

/// <summary>The box a method reported for one image, its score, and the configuration that made it.</summary>
public sealed record ReportedBox(Box? Box, ImageScore Score, string Config);

/// <summary>
/// A method on one model: per image (by val ID) its box and score; the configuration chosen for each fold (tuned on
/// the other fold); rates over all evaluated images and over the off-centre slice.
/// </summary>
public sealed record MethodResult(string Method, string Model, IReadOnlyDictionary<int, ReportedBox> PerImage, IReadOnlyList<string> ChosenPerFold, Rates All, Rates OffCentre);

/// <summary>Cost of one plan step averaged over the evaluated images.</summary>
public sealed record StepCost(int Step, string Op, string Node, double ForwardMs, double BacktrackMs, double Fixations);

/// <summary>Everything measured for one of our models.</summary>
public sealed record ModelStudy(string Name, ResultCache Cache, IReadOnlyList<MethodResult> Methods, IReadOnlyList<StepCost> Steps)
{
    public MethodResult Main => Methods[0];

    public MethodResult Method(string name) => Methods.First(m => m.Method == name);
}

/// <summary>The authors' published boxes of one network on the evaluated images, scored in original pixels.</summary>
public sealed record AuthorsResult(string Model, IReadOnlyDictionary<int, (int Class, Box Box)> PerImage, Rates All, Rates OffCentre, Rates? FullVal);

/// <summary>How close our boxes (mapped to original pixels) and classes are to the authors'.</summary>
public sealed record Agreement(string Ours, string Theirs, int Images, double MeanIoU, double ClassAgreement, double BoxAgreement);

/// <summary>
/// The localization study. Nothing reported is tuned on itself: images are split into two folds by val-ID parity;
/// each tuned method (the post-processing sweep, the centred box size) picks its configuration on one fold (the
/// largest GT-known accuracy; ties go to the earlier grid entry) and is scored with it on the other, so every image is
/// reported exactly once, with parameters chosen on images it is not part of (2-fold cross-fitting). The off-centre slice
/// is the set of images where the centred box of 75 % of each side misses every ground-truth box.
/// </summary>
public sealed class LocalizationStudy
{
    /// <summary>The centred box that defines the off-centre slice: 75 % of each side, the best fixed centred box on the 1000 shared val images.</summary>
    public const double OffCentreFraction = 0.75;

    public const string Fixations = "CNN Fixations (tuned)";
    public const string FixationsOutliers = "CNN Fixations, outlier box (tuned)";
    public const string FixationsHeat = "CNN Fixations, heat-map box (tuned)";
    public const string FixationsReference = "CNN Fixations, reference defaults (r=0.10, f=0.05)";
    public const string Centre = "centred box (size tuned)";
    public const string Full = "full image";

    public static readonly string[] AuthorsModels = ["vgg16", "googleNet", "alexNet", "resNet152"];

    public required IReadOnlyList<AnnotatedImage> Images { get; init; }

    public required IReadOnlySet<int> OffCentre { get; init; }

    public required IReadOnlyList<ModelStudy> Models { get; init; }

    public required IReadOnlyList<AuthorsResult> Authors { get; init; }

    public required IReadOnlyList<Agreement> Agreements { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public required IReadOnlyList<string> Notes { get; init; }

    public static int Fold(int valId) => valId % 2;

    public static LocalizationStudy Build(IReadOnlyList<AnnotatedImage> annotated, IReadOnlyList<ModelRun> runs, string? reference, string? valGt, string? assets)
    {
        var notes = new List<string>();
        var images = annotated.Where(a => runs.All(r => r.Cache.Results.ContainsKey(a.ValId))).ToList();
        if (images.Count < annotated.Count)
        {
            notes.Add($"only {images.Count} of {annotated.Count} images have results for every model (an interrupted run reported with --from-cache)");
        }

        if (images.Count == 0)
        {
            throw new CliException("no image has results for every model", ExitCodes.BadInput);
        }

        var offCentre = images.Where(a => !Scorer.Score(0, Box.Centred(a.FrameWidth, a.FrameHeight, OffCentreFraction), 0, a.TruthFrame).BoxHit)
            .Select(a => a.ValId).ToHashSet();
        var models = runs.Select(r => StudyModel(r, images, offCentre)).ToList();
        var authors = new List<AuthorsResult>();
        var agreements = new List<Agreement>();
        string[] classNames = Enumerable.Range(0, 1000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        if (assets is not null)
        {
            classNames = Enumerable.Range(0, 1000).Select(i => Pipeline.Labels.ImagenetCaffe(assets)[i]).ToArray();
        }

        if (reference is not null && Directory.Exists(reference) && assets is not null)
        {
            var devkitToCaffe = Pipeline.Labels.ImagenetDarknet(assets).CaffeIndex!;
            foreach (var m in AuthorsModels)
            {
                string file = Path.Combine(reference, m + ".txt");
                if (!File.Exists(file))
                {
                    notes.Add($"the authors' {m} boxes are missing ({file})");
                    continue;
                }

                var all = ReferenceBoxes.Read(file, devkitToCaffe);
                var mine = images.ToDictionary(a => a.ValId, a => all[a.ValId - 1]);
                var scores = images.ToDictionary(a => a.ValId, a => Scorer.Score(mine[a.ValId].Class, mine[a.ValId].Box, a.Label, a.TruthOriginal));
                Rates? full = valGt is not null && Directory.Exists(valGt) ? ReferenceBoxes.ScoreFullVal(all, valGt) : null;
                authors.Add(new AuthorsResult(m, mine, Scorer.Rates(scores.Values.ToList()),
                    Scorer.Rates(scores.Where(kv => offCentre.Contains(kv.Key)).Select(kv => kv.Value).ToList()), full));
            }

            foreach (var ours in models)
            {
                foreach (var theirs in authors)
                {
                    var ious = new List<double>();
                    int sameClass = 0;
                    foreach (var a in images)
                    {
                        var r = ours.Main.PerImage[a.ValId];
                        var t = theirs.PerImage[a.ValId];
                        double iou = r.Box is { } b ? b.Scale((double)a.OrigWidth / a.FrameWidth, (double)a.OrigHeight / a.FrameHeight).IoU(t.Box) : 0;
                        ious.Add(iou);
                        sameClass += ours.Cache.Results[a.ValId].Predicted == t.Class ? 1 : 0;
                    }

                    agreements.Add(new Agreement(ours.Name, theirs.Model, images.Count, ious.Average(), (double)sameClass / images.Count, ious.Count(i => i >= 0.5) / (double)images.Count));
                }
            }
        }
        else
        {
            notes.Add("the authors' boxes were not found (--reference), so they are not compared");
        }

        return new LocalizationStudy
        {
            Images = images, OffCentre = offCentre, Models = models, Authors = authors, Agreements = agreements, ClassNames = classNames, Notes = notes,
        };
    }

    private static ModelStudy StudyModel(ModelRun run, IReadOnlyList<AnnotatedImage> images, IReadOnlySet<int> offCentre)
    {
        var results = images.Select(a => run.Cache.Results[a.ValId]).ToList();
        var points = results.Select(r => (IReadOnlyList<ImagePoint>)r.Points.Select(p => new ImagePoint(p[0], p[1])).ToList()).ToList();

        // boxes[c][i]: configuration c of the sweep on image i
        var grid = SweepGrid.All;
        var boxes = new Box?[grid.Count][];
        for (int c = 0; c < grid.Count; c++)
        {
            boxes[c] = new Box?[images.Count];
        }

        Parallel.For(0, images.Count, () => new HeatMapCache(), (i, _, heat) =>
        {
            for (int c = 0; c < grid.Count; c++)
            {
                boxes[c][i] = grid[c].Apply(points[i], results[i].Width, results[i].Height, heat);
            }

            return heat;
        }, _ => { });

        Box? Sweep(int c, int i) => boxes[c][i];
        int Pred(int i) => results[i].Predicted;
        var outlierIdx = Enumerable.Range(0, SweepGrid.Outliers.Count).ToArray();
        var heatIdx = Enumerable.Range(SweepGrid.Outliers.Count, SweepGrid.HeatMaps.Count).ToArray();
        int refIdx = grid.ToList().IndexOf(SweepGrid.Reference);
        var methods = new List<MethodResult>
        {
            Tuned(Fixations, run.Name, images, offCentre, Enumerable.Range(0, grid.Count).ToArray(), c => grid[c].Name, Sweep, Pred),
            Tuned(FixationsOutliers, run.Name, images, offCentre, outlierIdx, c => grid[c].Name, Sweep, Pred),
            Tuned(FixationsHeat, run.Name, images, offCentre, heatIdx, c => grid[c].Name, Sweep, Pred),
            Tuned(FixationsReference, run.Name, images, offCentre, [refIdx], c => grid[c].Name, Sweep, Pred),
            Tuned(Centre, run.Name, images, offCentre, Enumerable.Range(0, SweepGrid.CentreFractions.Length).ToArray(),
                c => FormattableString.Invariant($"centred {SweepGrid.CentreFractions[c]:0.00}"),
                (c, i) => Box.Centred(images[i].FrameWidth, images[i].FrameHeight, SweepGrid.CentreFractions[c]), Pred),
            Tuned(Full, run.Name, images, offCentre, [0], _ => "full", (_, i) => Box.Full(images[i].FrameWidth, images[i].FrameHeight), Pred),
        };

        var ops = run.Cache.Meta.Ops;
        var steps = ops.Select(o => new StepCost(o.Step, o.Op, o.Node,
            results.Average(r => o.Step < r.OpForwardMs.Length ? r.OpForwardMs[o.Step] : 0),
            results.Average(r => o.Step < r.OpBacktrackMs.Length ? r.OpBacktrackMs[o.Step] : 0),
            results.Average(r => o.Step < r.OpFixations.Length ? r.OpFixations[o.Step] : 0))).ToList();
        return new ModelStudy(run.Name, run.Cache, methods, steps);
    }

    /// <summary>Cross-fitted choice among <paramref name="configs"/>: for each fold, the configuration with the most box hits on the other fold.</summary>
    private static MethodResult Tuned(string method, string model, IReadOnlyList<AnnotatedImage> images, IReadOnlySet<int> offCentre,
        int[] configs, Func<int, string> name, Func<int, int, Box?> box, Func<int, int> predicted)
    {
        var scores = configs.Select(c => images.Select((a, i) => Scorer.Score(predicted(i), box(c, i), a.Label, a.TruthFrame)).ToArray()).ToArray();
        var chosen = new int[2];
        for (int fold = 0; fold < 2; fold++)
        {
            int best = 0, bestHits = -1;
            for (int k = 0; k < configs.Length; k++)
            {
                int hits = 0;
                for (int i = 0; i < images.Count; i++)
                {
                    if (Fold(images[i].ValId) != fold && scores[k][i].BoxHit)
                    {
                        hits++;
                    }
                }

                if (hits > bestHits)
                {
                    (best, bestHits) = (k, hits);
                }
            }

            chosen[fold] = best;
        }

        var per = new Dictionary<int, ReportedBox>();
        for (int i = 0; i < images.Count; i++)
        {
            int k = chosen[Fold(images[i].ValId)];
            per[images[i].ValId] = new ReportedBox(box(configs[k], i), scores[k][i], name(configs[k]));
        }

        return new MethodResult(method, model, per, chosen.Select(k => name(configs[k])).ToList(),
            Scorer.Rates(per.Values.Select(v => v.Score).ToList()),
            Scorer.Rates(per.Where(kv => offCentre.Contains(kv.Key)).Select(kv => kv.Value.Score).ToList()));
    }
}
