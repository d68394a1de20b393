using System.Globalization;
using System.Text.Json;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations;
using NativeCnn.Fixations.PostProcessing;
using NativeCnn.Imaging;

namespace NativeCnn.Cli.Evaluation;

/// <summary>The cost of one model: per step, the median over all runs × images.</summary>
public sealed record ModelCost(string Model, int Runs, int Images, IReadOnlyList<StepCost> Steps)
{
    public double ForwardMs => Steps.Sum(s => s.ForwardMs);

    public double BacktrackMs => Steps.Sum(s => s.BacktrackMs);

    public double Ratio => BacktrackMs / Math.Max(1e-12, ForwardMs);
}

/// <summary>
/// <c>eval cost</c>: runs forward and backtrack (top-1 class) <c>runs</c> times on each image after <c>warmup</c>
/// untimed runs, and reports each plan step's median forward and backtrack time and its fixation count, summed per op kind.
/// Medians make a second run agree within noise on a busy machine.
/// </summary>
public static class CostStudy
{
    public static ModelCost Measure(string modelPath, string? preset, int threads, IReadOnlyList<string> imageFiles, int runs, int warmup)
    {
        using var model = new ImageModel(modelPath, preset, null, threads);
        var images = imageFiles.Select(f => ImageIO.Load(f)).ToList();
        var backtracker = new Backtracker(new FixationOptions());
        var post = new FixationPostProcessor();
        var samples = new List<Explanation>();
        ProgressDisplay.ForEach((warmup + runs) * images.Count, Path.GetFileNameWithoutExtension(modelPath), k =>
        {
            var image = images[k % images.Count];
            var prediction = model.Predict(image);
            var start = Backtracker.Resolve(new StoreActivationSource(model.Store), StartPoint.TopClass())[0];
            var e = Explainer.Explain(model, image, prediction, start, backtracker, post);
            if (k >= warmup * images.Count)
            {
                samples.Add(e);
            }
        });

        var steps = samples[0].Costs.Select((c, i) => new StepCost(c.Step, c.Op, c.Node,
            Median(samples.Select(s => s.Costs[i].ForwardMs)), Median(samples.Select(s => s.Costs[i].BacktrackMs)),
            samples.Average(s => s.Costs[i].Fixations))).ToList();
        return new ModelCost(Path.GetFileNameWithoutExtension(modelPath), runs, images.Count, steps);
    }

    public static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Writes <c>cost.md</c>, <c>cost.html</c>, <c>cost.json</c> and one <c>cost-MODEL.svg</c> chart per model.</summary>
    public static void Write(IReadOnlyList<ModelCost> costs, IReadOnlyList<string> imageFiles, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var doc = new ReportDocument();
        doc.H(1, "CNN Fixations: cost of backtracking against the forward pass");
        doc.P($"Images: {string.Join(", ", imageFiles.Select(Path.GetFileName))}. Per step: the median over runs × images; per kind: the sum of its steps' medians.");
        doc.Table(["model", "runs", "forward ms", "backtrack ms", "backtrack / forward"], costs.Select(c => new[]
        {
            c.Model, c.Runs.ToString(CultureInfo.InvariantCulture), c.ForwardMs.ToString("F2", CultureInfo.InvariantCulture),
            c.BacktrackMs.ToString("F3", CultureInfo.InvariantCulture), c.Ratio.ToString("F4", CultureInfo.InvariantCulture),
        }));
        foreach (var c in costs)
        {
            doc.H(2, c.Model + ": per layer kind");
            doc.Table(["op", "steps", "forward ms", "backtrack ms", "backtrack / forward", "mean fixations"], CostTables.ByKind(c.Steps));
            string file = $"cost-{c.Model}.svg";
            var shown = c.Steps.Where(s => s.ForwardMs > 0 || s.BacktrackMs > 0).ToList();
            File.WriteAllText(Path.Combine(outDir, file), BarChart.ForwardVsBacktrack($"{c.Model}: forward vs backtrack per layer (median ms)",
                shown.Select(CostTables.Label).ToList(), shown.Select(s => s.ForwardMs).ToList(), shown.Select(s => s.BacktrackMs).ToList()));
            doc.Image(file, c.Model + ": forward and backtrack per layer");
            doc.H(3, c.Model + ": per layer");
            doc.Table(["step", "op", "node", "forward ms", "backtrack ms", "fixations"], c.Steps.Select(s => new[]
            {
                s.Step.ToString(CultureInfo.InvariantCulture), s.Op, s.Node, s.ForwardMs.ToString("F3", CultureInfo.InvariantCulture),
                s.BacktrackMs.ToString("F4", CultureInfo.InvariantCulture), s.Fixations.ToString("F1", CultureInfo.InvariantCulture),
            }));
        }

        File.WriteAllText(Path.Combine(outDir, "cost.md"), doc.ToMarkdown());
        File.WriteAllText(Path.Combine(outDir, "cost.html"), doc.ToHtml("CNN Fixations cost", outDir));
        var json = costs.Select(c => new
        {
            model = c.Model, runs = c.Runs, images = c.Images, forward_ms = c.ForwardMs, backtrack_ms = c.BacktrackMs, ratio = c.Ratio,
            kinds = c.Steps.GroupBy(s => s.Op).Select(g => new { op = g.Key, steps = g.Count(), forward_ms = g.Sum(s => s.ForwardMs), backtrack_ms = g.Sum(s => s.BacktrackMs) }),
            steps = c.Steps.Select(s => new { step = s.Step, op = s.Op, node = s.Node, forward_ms = s.ForwardMs, backtrack_ms = s.BacktrackMs, fixations = s.Fixations }),
        });
        File.WriteAllText(Path.Combine(outDir, "cost.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
    }
}
