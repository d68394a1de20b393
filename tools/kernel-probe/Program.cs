using System.Diagnostics;
using NativeCnn.Runtime.Kernels;

namespace NativeCnn.KernelProbe;

/// <summary>
/// Quick kernel timings (not a benchmark suite: see bench/ for that). Usage:
/// <c>dotnet run -c Release --project tools/kernel-probe -- sgemm|all [reps]</c>. Prints the median of reps runs.
/// </summary>
internal static unsafe class Program
{
    private static int Main(string[] args)
    {
        string what = args.Length > 0 ? args[0] : "all";
        int reps = args.Length > 1 ? int.Parse(args[1]) : 7;
        Console.WriteLine($"ISA {KernelIsaSupport.Best}, {Environment.ProcessorCount} cores, reps {reps} (median)");
        if (what is "sgemm" or "all")
        {
            foreach (var (m, n, k, label) in new[] { (256, 3136, 2304, "VGG conv3_x as GEMM"), (64, 3136, 256, "ResNet 1x1 64<-256 @56"), (256, 3136, 64, "ResNet 1x1 256<-64 @56"), (512, 196, 1024, "ResNet 1x1 512<-1024 @14"), (2048, 49, 512, "ResNet 1x1 2048<-512 @7") })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Sgemm<SgemmMicroAvx512_8x48>(m, n, k, threads, reps, label);
                    Sgemm<SgemmMicroAvx512_14x32>(m, n, k, threads, reps, label);
                    Sgemm<SgemmMicroAvx2_6x16>(m, n, k, threads, reps, label);
                }
            }
        }

        return 0;
    }

    private static void Sgemm<TMicro>(int m, int n, int k, int threads, int reps, string label) where TMicro : ISgemmMicroKernel
    {
        var a = new AlignedFloats((long)m * k);
        var b = new AlignedFloats((long)k * n);
        var c = new AlignedFloats((long)m * n);
        Fill(a);
        Fill(b);
        var g = new SgemmPacked<TMicro, DenseRowsPanelSource>(m, n, k, threads);
        var pa = g.PackWeights(m, k, a.Pointer, k, 1);
        var src = new DenseRowsPanelSource(b.Pointer, n);
        double median = Median(reps, () => g.Run(pa, src, null, c.Pointer, n));
        Report($"sgemm {typeof(TMicro).Name,-24} {label,-26} M={m} N={n} K={k} t={threads}", 2.0 * m * n * k, median);
    }

    internal static void Report(string what, double flops, double seconds) =>
        Console.WriteLine($"{what}: {seconds * 1e3,8:F2} ms  {flops / seconds / 1e9,7:F1} GFLOP/s");

    internal static double Median(int reps, Action run)
    {
        run();
        run();
        var t = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            long s = Stopwatch.GetTimestamp();
            run();
            t[r] = Stopwatch.GetElapsedTime(s).TotalSeconds;
        }

        Array.Sort(t);
        return t[reps / 2];
    }

    internal static void Fill(AlignedFloats f)
    {
        var rng = new Random(1);
        for (long i = 0; i < f.Length; i++)
        {
            f.Pointer[i] = (float)((rng.NextDouble() * 2) - 1);
        }
    }
}
