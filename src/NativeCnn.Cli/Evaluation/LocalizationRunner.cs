using NativeCnn.Cli.Pipeline;
using NativeCnn.Fixations;
using NativeCnn.Fixations.PostProcessing;
using NativeCnn.Imaging;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// Runs one model over the annotated images: predict, backtrack from the top-1 class, keep the raw fixation points
/// (in the image file's pixels) and the per-op costs in the model's <see cref="ResultCache"/>. Images already in
/// the cache are not recomputed.
/// </summary>
public static class LocalizationRunner
{
    public static ResultCache Run(string modelPath, string? preset, int threads, IReadOnlyList<AnnotatedImage> images, string cacheDir, FixationOptions options)
    {
        using var model = new ImageModel(modelPath, preset, null, threads);
        var shape = model.Profile.Preprocess.Run(ImageIO.Load(images[0].FullPath)).Shape;
        var plan = model.Session.Prepare(new Dictionary<string, int[]> { [model.InputName] = shape });
        var ops = plan.Steps.Select(s => new OpInfo(s.Index, s.Kind.ToString(), s.Node.DisplayName)).ToList();
        string optionText = $"conv={options.ConvLocation}, fc={options.FcAfterFlatten}, avgpool={options.AveragePool}";
        var meta = new CacheMeta(Path.GetFullPath(modelPath), model.Profile.PresetName, optionText, ops);
        var cache = ResultCache.Open(cacheDir, ResultCache.Stem(modelPath), meta);
        var todo = images.Where(i => !cache.Results.ContainsKey(i.ValId)).ToList();
        Console.Error.WriteLine($"{Path.GetFileName(modelPath)}: preset {model.Profile.PresetName}, labels {model.Profile.Labels.Source}; " +
            $"{images.Count - todo.Count} of {images.Count} images cached, {todo.Count} to run");
        if (model.Profile.Labels.Count != 1000)
        {
            throw new CliException($"{Path.GetFileName(modelPath)} has {model.Profile.Labels.Count} outputs; ImageNet localization needs 1000", ExitCodes.BadModel);
        }

        var backtracker = new Backtracker(options);
        var post = new FixationPostProcessor();
        var caffe = model.Profile.Labels.CaffeIndex;
        try
        {
            ProgressDisplay.ForEach(todo.Count, Path.GetFileNameWithoutExtension(modelPath), k =>
            {
                var a = todo[k];
                var image = ImageIO.Load(a.FullPath);
                if (image.Width != a.FrameWidth || image.Height != a.FrameHeight)
                {
                    throw new CliException($"{a.FullPath} is {image.Width}×{image.Height}, but the annotations give its boxes in a {a.FrameWidth}×{a.FrameHeight} frame", ExitCodes.BadInput);
                }

                var prediction = model.Predict(image);
                var start = Backtracker.Resolve(new StoreActivationSource(model.Store), StartPoint.TopClass())[0];
                var e = Explainer.Explain(model, image, prediction, start, backtracker, post);
                var top = model.Top(prediction, 5).Select(c => caffe is null ? c.Class : caffe[c.Class]).ToArray();
                int output = e.Class.Class;
                cache.Add(new ImageResult(
                    a.ValId, output, caffe is null ? output : caffe[output], e.Class.Score, top, image.Width, image.Height,
                    e.RawPoints.Select(p => new[] { Math.Round(p.X, 2), Math.Round(p.Y, 2) }).ToArray(),
                    e.ForwardMs, e.BacktrackMs,
                    e.Costs.Select(c => Math.Round(c.ForwardMs, 4)).ToArray(), e.Costs.Select(c => Math.Round(c.BacktrackMs, 4)).ToArray(),
                    e.Costs.Select(c => c.Fixations).ToArray()));
            });
        }
        catch
        {
            cache.Dispose();
            throw;
        }

        cache.Dispose();
        return cache;
    }
}
