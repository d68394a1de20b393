using BenchmarkDotNet.Attributes;

namespace NativeCnn.Benchmarks;

/// <summary>
/// Pooling: the max pools (with argmax) of SqueezeNet 1.1 (3×3/2 on 64@111, 128@55, 256@27), ResNet-18 (3×3/2 pad 1
/// on 64@112), VGG (2×2/2 on 64@224) and an Inception-style 3×3/1 pad 1, at 1 and 2 threads; global average pool and
/// an odd average pool. Case names: <c>op shape threads</c>.
/// </summary>
[MemoryDiagnoser]
public class PoolBenchmarks
{
    private SingleOp _op = null!;

    public static IEnumerable<string> Cases =>
    [
        "max3x3s2 64@111 1t",
        "max3x3s2 128@55 1t",
        "max3x3s2 256@27 1t",
        "max3x3s2p1 64@112 1t",
        "max2x2 64@224 1t",
        "max3x3s1p1 192@28 1t",
        "max3x3s2 64@111 2t",
        "max3x3s2 256@27 2t",
        "max3x3s2p1 64@112 2t",
        "gap 512@7 1t",
        "avg3x3 13@17x19 1t",
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split(' ');
        var size = parts[1].Split('@');
        int c = int.Parse(size[0]);
        var hw = size[1].Split('x');
        int h = int.Parse(hw[0]), w = int.Parse(hw[^1]);
        int threads = int.Parse(parts[2].TrimEnd('t'));
        _op = parts[0] switch
        {
            "max3x3s2" => SingleOp.Pool("MaxPool", c, h, w, 3, 2, 0, threads),
            "max3x3s2p1" => SingleOp.Pool("MaxPool", c, h, w, 3, 2, 1, threads),
            "max2x2" => SingleOp.Pool("MaxPool", c, h, w, 2, 2, 0, threads),
            "max3x3s1p1" => SingleOp.Pool("MaxPool", c, h, w, 3, 1, 1, threads),
            "gap" => SingleOp.Pool("GlobalAveragePool", c, h, w, 0, 0, 0, threads),
            "avg3x3" => SingleOp.Pool("AveragePool", c, h, w, 3, 1, 1, threads),
            _ => throw new ArgumentException(Case),
        };
    }

    [Benchmark]
    public void Pool() => _op.Run();

    [GlobalCleanup]
    public void Cleanup() => _op.Dispose();
}
