using System.CommandLine;
using System.Text.Json;
using NativeCnn.Cli.Pipeline;
using NativeCnn.Imaging;

namespace NativeCnn.Cli.Commands;

/// <summary><c>nativecnn classify MODEL IMAGE|DIR… [--top K] [--preset NAME] [--json]</c>.</summary>
public static class ClassifyCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var images = ImageOptions.Images();
        var top = ImageOptions.Top(5);
        var preset = ImageOptions.Preset();
        var labels = ImageOptions.Labels();
        var json = ImageOptions.Json();
        var threads = CommonOptions.Threads();
        var exact = CommonOptions.Exact();
        var cmd = new Command("classify", "classify images: the top classes with their probabilities") { model, images, top, preset, labels, json, threads, exact };
        cmd.SetAction(p => CliErrors.Guard(() => Run(
            p.GetValue(model)!, p.GetValue(images)!, p.GetValue(top), p.GetValue(preset), p.GetValue(labels), p.GetValue(json),
            CommonOptions.CheckThreads(p.GetValue(threads)), p.GetValue(exact))));
        return cmd;
    }

    private static int Run(FileInfo modelFile, string[] imageArgs, int top, string? preset, string? labels, bool json, int threads, bool exact)
    {
        if (top < 1)
        {
            throw new CliException("--top must be at least 1", ExitCodes.Usage);
        }

        var files = ImageFiles.Expand(imageArgs);
        using var model = new ImageModel(modelFile.FullName, preset, labels, threads, exact: exact);
        if (!json)
        {
            Console.Error.WriteLine($"preset {model.Profile.PresetName} ({model.Profile.Reason}); labels: {model.Profile.Labels.Source}");
        }

        int failures = ImageFiles.ForEachImage(files, "classifying", (file, image) =>
        {
            var prediction = model.Predict(image);
            var best = model.Top(prediction, Math.Min(top, prediction.Probabilities.Length));
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    image = file,
                    top = best.Select(b => new { @class = b.Class, label = b.Label, score = b.Score }),
                }));
            }
            else
            {
                Console.WriteLine($"{file}: " + string.Join("; ", best.Select(b => $"{b.Class} {b.Label} {b.Score:P1}")));
            }
        });

        return failures == 0 ? ExitCodes.Ok : ExitCodes.BadInput;
    }
}
