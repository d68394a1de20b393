using BenchmarkDotNet.Attributes;

namespace NativeCnn.Benchmarks;

/// <summary>
/// Conv at realistic CNN shapes plus one deliberately odd size (channel counts and image sides that are no
/// multiple of any vector width or tile, so every tail path runs). One op per invocation; the MACs of each case
/// are in the name so GFLOP/s = 2·MACs / time.
/// </summary>
[MemoryDiagnoser]
public class ConvBenchmarks
{
    private SingleOp _op = null!;

    public static IEnumerable<string> Cases =>
    [
        "vgg1_2 64>64@224", // 1.85 GMACs
        "vgg3_2 256>256@56", // 1.85 GMACs
        "r18 128>128@28",    // 0.12 GMACs
        "1x1 256>64@56",     // 51 MMACs (a bottleneck reduce)
        "dw3x3 256@56",      // 7.2 MMACs (group = channels, MobileNet-style)
        "odd 13>29@17x19",   // 1.1 MMACs
    ];

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup() => _op = Case.Split(' ')[0] switch
    {
        "vgg1_2" => SingleOp.Conv(64, 64, 224, 224, 3, threads: Threads),
        "vgg3_2" => SingleOp.Conv(256, 256, 56, 56, 3, threads: Threads),
        "r18" => SingleOp.Conv(128, 128, 28, 28, 3, threads: Threads),
        "1x1" => SingleOp.Conv(256, 64, 56, 56, 1, threads: Threads),
        "dw3x3" => SingleOp.Conv(256, 256, 56, 56, 3, groups: 256, threads: Threads),
        "odd" => SingleOp.Conv(13, 29, 17, 19, 3, threads: Threads),
        _ => throw new ArgumentException(Case),
    };

    [Benchmark]
    public void Conv() => _op.Run();

    [GlobalCleanup]
    public void Cleanup() => _op.Dispose();
}
