using System.Globalization;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// The CNN-Fixations authors' published boxes (<c>bounding_box/NAME.txt</c>: 50,000 lines in val-ID order,
/// <c>class x1 y1 x2 y2</c>, class a 1-based ILSVRC devkit ID, box inclusive in original pixels) and the full
/// ILSVRC2012 val ground truth (wsolevaluation's <c>localization.txt</c> and <c>class_labels.txt</c>, Caffe order).
/// </summary>
public static class ReferenceBoxes
{
    /// <summary>Line i (0-based) is val ID i + 1; classes mapped to Caffe order through <paramref name="devkitToCaffe"/> (0-based devkit index → Caffe).</summary>
    public static List<(int Class, Box Box)> Read(string path, IReadOnlyList<int> devkitToCaffe)
    {
        var list = new List<(int, Box)>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNo++;
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 5 || !f.All(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"'{line}' is not 'class x1 y1 x2 y2'");
            }

            var v = f.Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            if (v[0] < 1 || v[0] > devkitToCaffe.Count)
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.UnknownClass, $"devkit class {v[0]} is not in 1..{devkitToCaffe.Count}");
            }

            list.Add((devkitToCaffe[v[0] - 1], Box.FromInclusive(v[1], v[2], v[3], v[4])));
        }

        return list;
    }

    /// <summary>Scores boxes in val-ID order against the full val ground truth (what the paper's Table I reports).</summary>
    public static Rates ScoreFullVal(IReadOnlyList<(int Class, Box Box)> boxes, string valGt)
    {
        var truth = new Dictionary<int, List<Box>>();
        foreach (var line in File.ReadLines(Path.Combine(valGt, "localization.txt")))
        {
            var f = line.Split(',');
            if (f.Length == 5)
            {
                var v = f.Skip(1).Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                int id = ValId(f[0]);
                if (!truth.TryGetValue(id, out var l))
                {
                    truth[id] = l = [];
                }

                l.Add(Box.FromInclusive(v[0], v[1], v[2], v[3]));
            }
        }

        var labels = new Dictionary<int, int>();
        foreach (var line in File.ReadLines(Path.Combine(valGt, "class_labels.txt")))
        {
            var f = line.Split(',');
            if (f.Length == 2)
            {
                labels[ValId(f[0])] = int.Parse(f[1], CultureInfo.InvariantCulture);
            }
        }

        var scores = new List<ImageScore>();
        for (int i = 0; i < boxes.Count; i++)
        {
            int id = i + 1;
            if (labels.TryGetValue(id, out int label) && truth.TryGetValue(id, out var t))
            {
                scores.Add(Scorer.Score(boxes[i].Class, boxes[i].Box, label, t));
            }
        }

        return Scorer.Rates(scores);
    }

    /// <summary>val ID from "val/ILSVRC2012_val_00000001.JPEG".</summary>
    private static int ValId(string name)
    {
        string stem = Path.GetFileNameWithoutExtension(name);
        return int.Parse(stem[(stem.LastIndexOf('_') + 1)..], CultureInfo.InvariantCulture);
    }
}
