using System.Diagnostics;
using NativeCnn.Imaging;
using NativeCnn.Imaging.Processing;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Cli.Pipeline;

/// <summary>One class and its score (a probability: the model's own softmax output, or a softmax of its logits).</summary>
public sealed record ClassScore(int Class, string Label, float Score);

/// <summary>A forward pass on one image: the network input, where it came from, and the class probabilities.</summary>
public sealed record Prediction(PreprocessResult Input, float[] Probabilities, double ForwardMs)
{
    public int TopClass => Array.IndexOf(Probabilities, Probabilities.Max());
}

/// <summary>
/// An image classifier: an ONNX model, its preprocessing preset and labels, and a session whose activation store
/// holds every value of the last forward pass (the fixation backtracker reads it).
/// </summary>
public sealed class ImageModel : IDisposable
{
    public ImageModel(string modelPath, string? preset, string? labelsFile, int threads, bool fusion = true, bool exact = false)
    {
        ModelPath = Path.GetFullPath(modelPath);
        Graph = ModelLoading.Load(new FileInfo(ModelPath));
        if (Graph.Inputs.Count != 1)
        {
            throw new CliException($"{Path.GetFileName(modelPath)} has {Graph.Inputs.Count} inputs; image commands need a model with one image input", ExitCodes.BadModel);
        }

        Profile = ModelProfile.Resolve(Graph, ModelPath, preset, labelsFile);
        Session = new InferenceSession(Graph, new PlanOptions { Threads = threads, Fusion = fusion, AllowWinograd = !exact });
        InputName = Graph.Inputs[0].Name;
        OutputName = Graph.Outputs[0].Name;
    }

    public string ModelPath { get; }

    public ModelGraph Graph { get; }

    public ModelProfile Profile { get; }

    public InferenceSession Session { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>The store of the last <see cref="Predict"/>.</summary>
    public ActivationStore Store => Session.Store ?? throw new InvalidOperationException("no forward pass yet");

    /// <summary>Crop and resize of the last <see cref="Predict"/>.</summary>
    public ImageGeometry? LastGeometry { get; private set; }

    public Prediction Predict(Image image)
    {
        var input = Profile.Preprocess.Run(image);
        LastGeometry = input.Geometry;
        CheckInputShape(input.Shape);
        var tensor = Tensor.FromSpan<float>(input.Data, input.Shape);
        long t0 = Stopwatch.GetTimestamp();
        var store = Session.Run(tensor);
        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var output = store[OutputName];
        var scores = Array.ConvertAll(output.ToDoubleArray(), d => (float)d);
        return new Prediction(input, IsProbability(store) ? scores : Softmax(scores), ms);
    }

    public IReadOnlyList<ClassScore> Top(Prediction p, int k) =>
        p.Probabilities.Select((s, i) => (s, i)).OrderByDescending(t => t.s).ThenBy(t => t.i).Take(k)
            .Select(t => new ClassScore(t.i, Profile.Labels[t.i], t.s)).ToList();

    public void Dispose() => Session.Dispose();

    private void CheckInputShape(int[] shape)
    {
        var declared = Graph.Inputs[0].Shape;
        if (declared is null || declared.Length != shape.Length)
        {
            return;
        }

        for (int i = 1; i < shape.Length; i++)
        {
            if (declared[i].IsKnown && declared[i].Value != shape[i])
            {
                throw new CliException(
                    $"preset '{Profile.PresetName}' makes {ShapeUtil.Format(shape)} but {Path.GetFileName(ModelPath)} expects [{string.Join(",", declared)}]; pick another --preset",
                    ExitCodes.BadInput);
            }
        }
    }

    private bool IsProbability(ActivationStore store) =>
        store.Plan.Values.TryGetValue(OutputName, out var v) && v.Producer >= 0 && store.Plan.Steps[v.Producer].Kind == OpKind.Softmax;

    private static float[] Softmax(float[] x)
    {
        float max = x.Max();
        var e = x.Select(v => MathF.Exp(v - max)).ToArray();
        float sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }
}
