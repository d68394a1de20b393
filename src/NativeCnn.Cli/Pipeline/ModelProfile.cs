using NativeCnn.Imaging.Processing;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Cli.Pipeline;

/// <summary>How images are prepared for a model and how its outputs are named, and why that choice was made.</summary>
public sealed record ModelProfile(string PresetName, Preprocess Preprocess, Labels Labels, string Reason)
{
    /// <summary>Metadata key a model may carry to name its preprocessing preset.</summary>
    public const string PresetMetadataKey = "nativecnn.preset";

    /// <summary>
    /// Picks the preset: <paramref name="presetOverride"/> if given; else the model's <c>nativecnn.preset</c>
    /// metadata; else what the model's file name and doc string say it is (SqueezeNet, Darknet, DoodleNet, LeNet,
    /// PyTorch MNIST); else by input shape (1×28×28 → mnist, 3×H×W → imagenet-torch). Labels: <paramref name="labelsFile"/>
    /// if given; else a class_names.txt/labels.txt beside the model; else the preset's labels from the assets folder.
    /// </summary>
    public static ModelProfile Resolve(ModelGraph graph, string modelPath, string? presetOverride, string? labelsFile)
    {
        string name;
        string reason;
        if (!string.IsNullOrEmpty(presetOverride))
        {
            (name, reason) = (presetOverride.ToLowerInvariant(), "--preset");
        }
        else if (graph.Metadata.TryGetValue(PresetMetadataKey, out var m))
        {
            (name, reason) = (m.ToLowerInvariant(), $"model metadata {PresetMetadataKey}");
        }
        else
        {
            (name, reason) = Guess(graph, modelPath);
        }

        if (!Preset.Names.Contains(name))
        {
            throw new CliException($"unknown preset '{name}' ({reason}); known: {string.Join(", ", Preset.Names)}", ExitCodes.Usage);
        }

        int classes = OutputClasses(graph);
        var labels = ResolveLabels(name, modelPath, labelsFile, classes);
        return new ModelProfile(name, Preset.Get(name), labels, reason);
    }

    private static (string, string) Guess(ModelGraph graph, string modelPath)
    {
        string text = (Path.GetFileName(modelPath) + " " + graph.DocString).ToLowerInvariant();
        if (text.Contains("darknet", StringComparison.Ordinal)) return ("darknet", "model name/description mentions Darknet");
        if (text.Contains("doodle", StringComparison.Ordinal) || text.Contains("quickdraw", StringComparison.Ordinal)) return ("quickdraw", "model name/description mentions QuickDraw");
        if (text.Contains("lenet", StringComparison.Ordinal)) return ("mnist", "model name mentions LeNet");
        if (text.Contains("mnist", StringComparison.Ordinal) && text.Contains("pytorch", StringComparison.Ordinal) || text.Contains("ruiyangju", StringComparison.Ordinal)) return ("mnist-pytorch", "a PyTorch MNIST model");
        if (text.Contains("caffe", StringComparison.Ordinal)) return ("imagenet-caffe", "model description mentions Caffe");
        var shape = graph.Inputs.FirstOrDefault()?.Shape;
        if (shape is { Length: 4 } && shape[1].Value == 1 && shape[2].Value == 28) return ("mnist", "input is 1×28×28");
        return ("imagenet-torch", "default for 3-channel image models");
    }

    private static int OutputClasses(ModelGraph graph)
    {
        var dims = graph.Outputs.FirstOrDefault()?.Shape;
        return dims is { Length: > 0 } && dims[^1].IsKnown ? (int)dims[^1].Value : 0;
    }

    private static Labels ResolveLabels(string preset, string modelPath, string? labelsFile, int classes)
    {
        if (!string.IsNullOrEmpty(labelsFile))
        {
            return File.Exists(labelsFile) ? Labels.FromFile(labelsFile) : throw new CliException($"labels file '{labelsFile}' does not exist", ExitCodes.IoError);
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(modelPath)) ?? ".";
        foreach (var candidate in new[] { "class_names.txt", "labels.txt" })
        {
            string p = Path.Combine(dir, candidate);
            if (File.Exists(p))
            {
                return Labels.FromFile(p);
            }
        }

        if (preset is "mnist" or "mnist-pytorch")
        {
            return Labels.Numeric(10, "digits");
        }

        string? assets = AssetsFolder.Find(modelPath);
        if (assets is not null && classes == 1000 && preset is "imagenet-torch" or "imagenet-caffe" or "darknet")
        {
            return preset == "darknet" ? Labels.ImagenetDarknet(assets) : Labels.ImagenetCaffe(assets);
        }

        return Labels.Numeric(Math.Max(classes, 0));
    }
}
