using BenchmarkDotNet.Attributes;
using NativeCnn.Fixations;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;

namespace NativeCnn.Benchmarks;

/// <summary>
/// SqueezeNet 1.1 (shared assets) on a seeded random image: the forward pass alone (every activation kept, as
/// always), and forward pass + CNN Fixations backtrack from the top-1 class.
/// </summary>
[MemoryDiagnoser]
public class EndToEndBenchmarks
{
    private InferenceSession _session = null!;
    private ActivationStore _store = null!;
    private readonly Backtracker _backtracker = new(new FixationOptions { Profile = false });

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var graph = OnnxModel.Load(TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx"));
        _session = new InferenceSession(graph, new PlanOptions { Threads = Threads, Profile = false });
        var input = Tensor.Create(DataType.Float32, [1, 3, 224, 224]);
        var rng = new Random(7);
        foreach (ref var v in input.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        _store = _session.Run(input);
    }

    [Benchmark(Baseline = true)]
    public void SqueezeNetForward() => _session.RunInPlace();

    [Benchmark]
    public int SqueezeNetForwardAndBacktrack()
    {
        _session.RunInPlace();
        return _backtracker.Backtrack(_store).InputPoints.Count;
    }

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();
}
