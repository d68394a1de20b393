using System.Globalization;
using System.Text.RegularExpressions;

namespace NativeCnn.Cli.Evaluation;

/// <summary>What is wrong with an annotation line.</summary>
public enum AnnotationProblem
{
    Malformed,
    MissingImage,
    BoxOutsideImage,
    UnknownClass,
}

/// <summary>An annotation file that cannot be trusted, with the file and 1-based line where it went wrong.</summary>
public sealed class AnnotationException(string file, int line, AnnotationProblem problem, string detail)
    : Exception($"{file}:{line}: {Describe(problem)}: {detail}")
{
    public string File { get; } = file;

    public int Line { get; } = line;

    public AnnotationProblem Problem { get; } = problem;

    private static string Describe(AnnotationProblem p) => p switch
    {
        AnnotationProblem.MissingImage => "missing image",
        AnnotationProblem.BoxOutsideImage => "box outside the image",
        AnnotationProblem.UnknownClass => "unknown class",
        _ => "malformed line",
    };
}

/// <summary>
/// One annotated validation image: its file (relative to the images folder), ILSVRC val ID, class (Caffe order),
/// original size, and ground-truth boxes both in original pixels (inclusive integers, made continuous) and in the
/// frame of the image file we actually read (<see cref="FrameWidth"/> × <see cref="FrameHeight"/>, continuous).
/// </summary>
public sealed record AnnotatedImage(
    string File, string FullPath, int ValId, int Label, string Synset, int OrigWidth, int OrigHeight,
    IReadOnlyList<Box> TruthOriginal, IReadOnlyList<Box> TruthFrame, int FrameWidth, int FrameHeight, int Line);

/// <summary>
/// Reads the evaluation CSV (<c>file,val_id,label_caffe,synset,orig_w,orig_h,gt_boxes_orig_xyxy,gt_boxes_N_xyxy</c>,
/// boxes as <c>x1 y1 x2 y2</c> separated by <c>;</c>, the last column in the N×N frame of the image files) and
/// checks it loudly: every image must exist under the images folder, every box must lie inside its image (original
/// boxes inclusive: 0 ≤ x1 ≤ x2 ≤ W − 1; frame boxes: 0 ≤ x1 ≤ x2 ≤ N), every class must be one of the model's
/// classes and match its synset.
/// </summary>
public static class AnnotationFile
{
    private static readonly string[] Required = ["file", "val_id", "label_caffe", "synset", "orig_w", "orig_h", "gt_boxes_orig_xyxy"];

    /// <param name="path">the CSV</param>
    /// <param name="imagesDir">the folder the CSV's paths are relative to</param>
    /// <param name="synsets">Caffe-order synsets (index = class); null to check only 0 ≤ class &lt; <paramref name="classes"/></param>
    /// <param name="classes">number of classes</param>
    public static List<AnnotatedImage> Load(string path, string imagesDir, IReadOnlyList<string>? synsets, int classes = 1000)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new CliException($"annotation file '{path}' does not exist", ExitCodes.IoError);
        }

        if (!Directory.Exists(imagesDir))
        {
            throw new CliException($"images folder '{imagesDir}' does not exist", ExitCodes.IoError);
        }

        var lines = System.IO.File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new AnnotationException(path, 1, AnnotationProblem.Malformed, "empty file (expected a header line)");
        }

        var header = lines[0].Trim().Split(',');
        var col = header.Select((h, i) => (h, i)).ToDictionary(t => t.h, t => t.i, StringComparer.Ordinal);
        foreach (var r in Required)
        {
            if (!col.ContainsKey(r))
            {
                throw new AnnotationException(path, 1, AnnotationProblem.Malformed, $"header lacks column '{r}' (has {lines[0].Trim()})");
            }
        }

        var frameCol = header.Select((h, i) => (m: Regex.Match(h, @"^gt_boxes_(\d+)_xyxy$"), i)).FirstOrDefault(t => t.m.Success);
        if (frameCol.m is null)
        {
            throw new AnnotationException(path, 1, AnnotationProblem.Malformed, "header lacks a column gt_boxes_N_xyxy (boxes in the N×N frame of the image files)");
        }

        int frame = int.Parse(frameCol.m.Groups[1].Value, CultureInfo.InvariantCulture);
        var result = new List<AnnotatedImage>();
        var seen = new HashSet<int>();
        for (int li = 1; li < lines.Length; li++)
        {
            int lineNo = li + 1;
            string line = lines[li].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var f = line.Split(',');
            if (f.Length != header.Length)
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"{f.Length} fields, the header has {header.Length}");
            }

            string file = f[col["file"]];
            int valId = Int(f[col["val_id"]], "val_id");
            int label = Int(f[col["label_caffe"]], "label_caffe");
            string synset = f[col["synset"]];
            int w = Int(f[col["orig_w"]], "orig_w"), h = Int(f[col["orig_h"]], "orig_h");
            if (w <= 0 || h <= 0)
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"original size {w}×{h}");
            }

            if (!seen.Add(valId))
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"val_id {valId} appears twice");
            }

            if (label < 0 || label >= classes)
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.UnknownClass, $"class {label} is not in 0..{classes - 1}");
            }

            if (synsets is not null && !string.Equals(synsets[label], synset, StringComparison.Ordinal))
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.UnknownClass,
                    synsets.Contains(synset) ? $"class {label} is {synsets[label]}, but the line says {synset}" : $"synset '{synset}' is not an ImageNet-1k class");
            }

            string full = Path.GetFullPath(Path.Combine(imagesDir, file));
            if (!System.IO.File.Exists(full))
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.MissingImage, $"'{file}' is not in {imagesDir}");
            }

            var orig = Boxes(f[col["gt_boxes_orig_xyxy"]], "gt_boxes_orig_xyxy");
            var inFrame = Boxes(f[frameCol.i], header[frameCol.i]);
            if (orig.Count == 0 || orig.Count != inFrame.Count)
            {
                throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"{orig.Count} original boxes but {inFrame.Count} frame boxes");
            }

            foreach (var b in orig)
            {
                if (b.X1 < 0 || b.Y1 < 0 || b.X1 > b.X2 || b.Y1 > b.Y2 || b.X2 > w - 1 || b.Y2 > h - 1)
                {
                    throw new AnnotationException(path, lineNo, AnnotationProblem.BoxOutsideImage, $"original box {b} does not fit a {w}×{h} image (inclusive pixels 0..{w - 1}, 0..{h - 1})");
                }
            }

            foreach (var b in inFrame)
            {
                if (b.X1 < 0 || b.Y1 < 0 || b.X1 > b.X2 || b.Y1 > b.Y2 || b.X2 > frame || b.Y2 > frame)
                {
                    throw new AnnotationException(path, lineNo, AnnotationProblem.BoxOutsideImage, $"box {b} does not fit the {frame}×{frame} frame");
                }
            }

            result.Add(new AnnotatedImage(file, full, valId, label, synset, w, h,
                orig.Select(b => Box.FromInclusive(b.X1, b.Y1, b.X2, b.Y2)).ToList(), inFrame, frame, frame, lineNo));

            int Int(string s, string name) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                ? v
                : throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"{name} '{s}' is not an integer");

            List<Box> Boxes(string s, string name)
            {
                var list = new List<Box>();
                foreach (var part in s.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    var n = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (n.Length != 4 || !n.All(x => double.TryParse(x, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
                    {
                        throw new AnnotationException(path, lineNo, AnnotationProblem.Malformed, $"{name}: '{part}' is not 'x1 y1 x2 y2'");
                    }

                    var v = n.Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                    list.Add(new Box(v[0], v[1], v[2], v[3]));
                }

                return list;
            }
        }

        if (result.Count == 0)
        {
            throw new AnnotationException(path, lines.Length, AnnotationProblem.Malformed, "no images listed");
        }

        return result;
    }
}
