using System.CommandLine;
using NativeCnn.Imaging.Processing;

namespace NativeCnn.Cli.Commands;

/// <summary>Options of the commands that take images.</summary>
public static class ImageOptions
{
    public static Argument<string[]> Images() => new("images")
    {
        Description = "image files (JPEG, PNG, PPM/PGM) or folders (walked recursively)",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Option<string?> Preset() => new("--preset")
    {
        Description = "preprocessing preset: " + string.Join(", ", Imaging.Processing.Preset.Names) +
            " (default: the model's nativecnn.preset metadata, else guessed from the model and printed)",
    };

    public static Option<string?> Labels() => new("--labels")
    {
        Description = "class names, one per line (default: class_names.txt/labels.txt beside the model, else the preset's labels from the assets folder)",
    };

    public static Option<int> Top(int defaultValue) => new("--top")
    {
        Description = "how many classes",
        DefaultValueFactory = _ => defaultValue,
    };

    public static Option<bool> Json() => new("--json") { Description = "one JSON object per image on stdout (fields: image, top: [{class, label, score}])" };
}
