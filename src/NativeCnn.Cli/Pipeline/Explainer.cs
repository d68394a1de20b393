using System.Diagnostics;
using NativeCnn.Fixations;
using NativeCnn.Fixations.PostProcessing;
using NativeCnn.Imaging;

namespace NativeCnn.Cli.Pipeline;

/// <summary>Fixations at one value on the backtrack path.</summary>
public sealed record LayerCount(string Value, int Count);

/// <summary>Time of one plan step: forward and backtrack, side by side.</summary>
public sealed record OpCost(int Step, string Op, string Node, double ForwardMs, double BacktrackMs, int Fixations);

/// <summary>Everything an explanation of one image produced.</summary>
public sealed record Explanation(
    ClassScore Class,
    IReadOnlyList<ImagePoint> RawPoints,
    PostProcessed Post,
    IReadOnlyList<LayerCount> Layers,
    IReadOnlyList<OpCost> Costs,
    double ForwardMs,
    double BacktrackMs,
    double PostprocessMs,
    IReadOnlyList<ValueFixations> PathValues);

/// <summary>
/// Explains a prediction with CNN Fixations: backtrack from the chosen output neuron over the stored activations,
/// map the input-space points through the crop and resize back to original-image pixels, then remove outliers,
/// blur into a heat map and box.
/// </summary>
public static class Explainer
{
    public static Explanation Explain(ImageModel model, Image image, Prediction prediction, ResolvedStart start,
        Backtracker backtracker, FixationPostProcessor post)
    {
        var result = backtracker.Backtrack(model.Store, StartPoint.Neuron(start.Value, start.FlatIndex));
        long t0 = Stopwatch.GetTimestamp();
        var geometry = prediction.Input.Geometry;
        var seen = new HashSet<(int, int)>();
        var raw = new List<ImagePoint>();
        foreach (var p in result.InputPoints)
        {
            var (x, y) = geometry.ToOriginal(p.X, p.Y);
            var px = ((int)Math.Round(x), (int)Math.Round(y));
            if (seen.Add(px))
            {
                raw.Add(new ImagePoint(Math.Clamp(x, 0, image.Width - 1), Math.Clamp(y, 0, image.Height - 1)));
            }
        }

        var processed = post.Process(raw, image.Width, image.Height);
        double postMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

        var plan = model.Store.Plan;
        var forward = model.Session.StepMilliseconds;
        var back = result.Steps.ToDictionary(s => s.StepIndex);
        var costs = plan.Steps.Select(s => new OpCost(
            s.Index, s.Kind.ToString(), s.Node.DisplayName, forward[s.Index],
            back.TryGetValue(s.Index, out var b) ? b.Milliseconds : 0, back.TryGetValue(s.Index, out b) ? b.FixationsOut : 0)).ToList();
        // A start in the class scores is a class (its label and probability); a start at any other neuron is named by
        // its value and index, with the neuron's own activation as the score.
        int cls = (int)(start.FlatIndex % Math.Max(1, prediction.Probabilities.Length));
        var score = start.Value == model.OutputName
            ? new ClassScore(cls, model.Profile.Labels[cls], prediction.Probabilities[cls])
            : new ClassScore((int)start.FlatIndex, $"{start.Value}[{start.FlatIndex}]", start.Score);
        return new Explanation(
            score, raw, processed,
            result.Values.Select(v => new LayerCount(v.Name, v.Count)).ToList(),
            costs, prediction.ForwardMs, result.TotalMilliseconds, postMs, result.Values);
    }
}
