using System.Text.Json;
using System.Text.Json.Serialization;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// What one forward pass and backtrack produced for one image, everything the scoring needs later (the raw fixation
/// points, so that post-processing can be swept without running the network again) plus the per-op costs.
/// </summary>
/// <param name="ValId">ILSVRC val ID</param>
/// <param name="Output">the model's top-1 output index (its own class order)</param>
/// <param name="Predicted">the top-1 class in Caffe order</param>
/// <param name="Score">its probability</param>
/// <param name="Top5">the top-5 classes in Caffe order</param>
/// <param name="Points">raw fixation points, [x, y] in the image file's pixels</param>
/// <param name="OpForwardMs">forward time per plan step</param>
/// <param name="OpBacktrackMs">backtrack time per plan step</param>
/// <param name="OpFixations">fixations at each step's input after backtracking through it</param>
public sealed record ImageResult(
    int ValId, int Output, int Predicted, float Score, int[] Top5, int Width, int Height, double[][] Points,
    double ForwardMs, double BacktrackMs, double[] OpForwardMs, double[] OpBacktrackMs, int[] OpFixations);

/// <summary>One plan step of the model, as listed in the cache's metadata.</summary>
public sealed record OpInfo(int Step, string Op, string Node);

/// <summary>What a cache was made with; a resumed run must match it.</summary>
public sealed record CacheMeta(string Model, string Preset, string Options, IReadOnlyList<OpInfo> Ops);

/// <summary>
/// The resumable per-image cache of one model: <c>NAME.meta.json</c> (model, preset, fixation options, plan steps)
/// and <c>NAME.jsonl</c>, one <see cref="ImageResult"/> per line, appended and flushed per image. A torn last line
/// (an interrupted write) is ignored and recomputed.
/// </summary>
public sealed class ResultCache : IDisposable
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly string _linesPath;
    private StreamWriter? _writer;

    private ResultCache(string linesPath, CacheMeta meta, Dictionary<int, ImageResult> results)
    {
        _linesPath = linesPath;
        Meta = meta;
        Results = results;
    }

    public CacheMeta Meta { get; }

    /// <summary>Results by val ID.</summary>
    public Dictionary<int, ImageResult> Results { get; }

    public static string Stem(string modelPath) => Path.GetFileNameWithoutExtension(modelPath);

    /// <summary>Opens (or creates) the cache of a model in <paramref name="dir"/>; a cache made with other settings is an error.</summary>
    public static ResultCache Open(string dir, string name, CacheMeta meta)
    {
        Directory.CreateDirectory(dir);
        string metaPath = Path.Combine(dir, name + ".meta.json");
        string lines = Path.Combine(dir, name + ".jsonl");
        if (File.Exists(metaPath))
        {
            var old = JsonSerializer.Deserialize<CacheMeta>(File.ReadAllText(metaPath), Json);
            if (old is null || old.Model != meta.Model || old.Preset != meta.Preset || old.Options != meta.Options)
            {
                throw new CliException(
                    $"{metaPath} was made with other settings ({old?.Model}, preset {old?.Preset}, {old?.Options}); " +
                    "use another --out folder or delete the cache", ExitCodes.BadInput);
            }
        }
        else
        {
            File.WriteAllText(metaPath, JsonSerializer.Serialize(meta, Json));
        }

        return new ResultCache(lines, meta, ReadLines(lines));
    }

    /// <summary>Reads a cache without a model (for reporting from what is there).</summary>
    public static ResultCache? TryRead(string dir, string name)
    {
        string metaPath = Path.Combine(dir, name + ".meta.json");
        if (!File.Exists(metaPath))
        {
            return null;
        }

        var meta = JsonSerializer.Deserialize<CacheMeta>(File.ReadAllText(metaPath), Json) ?? throw new CliException($"{metaPath} is empty");
        string lines = Path.Combine(dir, name + ".jsonl");
        return new ResultCache(lines, meta, ReadLines(lines));
    }

    public void Add(ImageResult r)
    {
        if (_writer is null)
        {
            // Start on a fresh line in case the last write was torn.
            bool needsNewline = File.Exists(_linesPath) && new FileInfo(_linesPath).Length > 0 && !EndsWithNewline(_linesPath);
            _writer = new StreamWriter(_linesPath, append: true);
            if (needsNewline)
            {
                _writer.Write('\n');
            }
        }

        _writer.Write(JsonSerializer.Serialize(r, Json));
        _writer.Write('\n');
        _writer.Flush();
        Results[r.ValId] = r;
    }

    public void Dispose() => _writer?.Dispose();

    private static Dictionary<int, ImageResult> ReadLines(string path)
    {
        var results = new Dictionary<int, ImageResult>();
        if (!File.Exists(path))
        {
            return results;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<ImageResult>(line, Json) is { } r)
                {
                    results[r.ValId] = r;
                }
            }
            catch (JsonException)
            {
                // a torn line from an interrupted run: the image is recomputed
            }
        }

        return results;
    }

    private static bool EndsWithNewline(string path)
    {
        using var fs = File.OpenRead(path);
        fs.Seek(-1, SeekOrigin.End);
        return fs.ReadByte() == '\n';
    }
}
