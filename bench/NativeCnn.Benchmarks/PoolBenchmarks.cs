using BenchmarkDotNet.Attributes;

namespace NativeCnn.Benchmarks;

/// <summary>Pooling: VGG's 2×2/2 max pool, ResNet's 3×3/2 padded max pool and global average pool, an odd average pool.</summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private SingleOp _op = null!;

    public static IEnumerable<string> Cases =>
    [
        "max2x2 64@224",
        "max3x3s2 64@112",
        "gap 512@7",
        "avg3x3 13@17x19",
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup() => _op = Case.Split(' ')[0] switch
    {
        "max2x2" => SingleOp.Pool("MaxPool", 64, 224, 224, 2, 2, 0),
        "max3x3s2" => SingleOp.Pool("MaxPool", 64, 112, 112, 3, 2, 1),
        "gap" => SingleOp.Pool("GlobalAveragePool", 512, 7, 7, 0, 0, 0),
        "avg3x3" => SingleOp.Pool("AveragePool", 13, 17, 19, 3, 1, 1),
        _ => throw new ArgumentException(Case),
    };

    [Benchmark]
    public void Pool() => _op.Run();

    [GlobalCleanup]
    public void Cleanup() => _op.Dispose();
}
