using BenchmarkDotNet.Attributes;

namespace NativeCnn.Benchmarks;

/// <summary>Fully connected layers at batch 1 (matrix–vector: memory bound on the weights) plus an odd size.</summary>
[MemoryDiagnoser]
public class GemmBenchmarks
{
    private SingleOp _op = null!;

    public static IEnumerable<string> Cases =>
    [
        "fc6 25088>4096", // 103 MMACs, 411 MB of weights
        "fc 512>1000",    // 0.5 MMACs
        "odd 1001>37",    // tails in both dimensions
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _op = Case.Split(' ')[0] switch
    {
        "fc6" => SingleOp.Gemm(1, 25088, 4096, Threads),
        "fc" => SingleOp.Gemm(1, 512, 1000, Threads),
        "odd" => SingleOp.Gemm(1, 1001, 37, Threads),
        _ => throw new ArgumentException(Case),
    };

    [Benchmark]
    public void Gemm() => _op.Run();

    [GlobalCleanup]
    public void Cleanup() => _op.Dispose();
}
