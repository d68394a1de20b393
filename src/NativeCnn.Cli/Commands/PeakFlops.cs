using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Cli.Commands;

/// <summary>
/// The machine's measured float32 peak: every thread runs independent chains of vector fused multiply-adds
/// (a·m + c with no memory traffic) for a fixed time; peak = 2 · lanes · FMAs / wall time, summed over threads.
/// Twelve chains per thread cover the FMA latency × throughput product of current x86 cores (4 cycles × 2 ports).
/// </summary>
public static class PeakFlops
{
    /// <summary>FMA iterations between clock reads (each iteration is <see cref="Chains"/> FMAs).</summary>
    private const long Chunk = 200_000;

    private const int Chains = 12;

    /// <summary>The widest vector FMA the JIT emits as one instruction here.</summary>
    public static string Isa =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? "Vector512 FMA"
        : Fma.IsSupported && Vector256.IsHardwareAccelerated ? "Vector256 FMA"
        : "scalar multiply-add";

    /// <summary>Measures the peak in GFLOP/s with <paramref name="threads"/> threads, each busy for about <paramref name="milliseconds"/>.</summary>
    public static double Measure(int threads, int milliseconds = 100)
    {
        // Warm the JIT (tier-1 code for the loop) before timing.
        Spin(1000);
        var flops = new double[threads];
        var go = new Barrier(threads + 1);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            go.SignalAndWait();
            var sw = Stopwatch.StartNew();
            long iterations = 0;
            while (sw.ElapsedMilliseconds < milliseconds)
            {
                Spin(Chunk);
                iterations += Chunk;
            }

            flops[t] = (double)iterations * FlopsPerIteration / sw.Elapsed.TotalSeconds;
        }) { IsBackground = true }).ToList();
        workers.ForEach(w => w.Start());
        go.SignalAndWait();
        workers.ForEach(w => w.Join());
        return flops.Sum() / 1e9;
    }

    private static int FlopsPerIteration =>
        Chains * 2 * (Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? 16 : Fma.IsSupported && Vector256.IsHardwareAccelerated ? 8 : 1);

    /// <summary>Sink so the JIT cannot drop the chains.</summary>
    private static float _sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Spin(long iterations)
    {
        if (Vector512.IsHardwareAccelerated && Avx512F.IsSupported)
        {
            Spin512(iterations);
        }
        else if (Fma.IsSupported && Vector256.IsHardwareAccelerated)
        {
            Spin256(iterations);
        }
        else
        {
            SpinScalar(iterations);
        }
    }

    private static void Spin512(long n)
    {
        var m = Vector512.Create(0.9999999f);
        var c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c);
            a1 = Avx512F.FusedMultiplyAdd(a1, m, c);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, c);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c);
            a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, c);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }

        _sink += Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static void Spin256(long n)
    {
        var m = Vector256.Create(0.9999999f);
        var c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < n; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c);
            a1 = Fma.MultiplyAdd(a1, m, c);
            a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c);
            a4 = Fma.MultiplyAdd(a4, m, c);
            a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c);
            a7 = Fma.MultiplyAdd(a7, m, c);
            a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c);
            a10 = Fma.MultiplyAdd(a10, m, c);
            a11 = Fma.MultiplyAdd(a11, m, c);
        }

        _sink += Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    private static void SpinScalar(long n)
    {
        float m = 0.9999999f, c = 1e-7f;
        float a0 = 1, a1 = 1, a2 = 1, a3 = 1, a4 = 1, a5 = 1, a6 = 1, a7 = 1, a8 = 1, a9 = 1, a10 = 1, a11 = 1;
        for (long i = 0; i < n; i++)
        {
            a0 = MathF.FusedMultiplyAdd(a0, m, c);
            a1 = MathF.FusedMultiplyAdd(a1, m, c);
            a2 = MathF.FusedMultiplyAdd(a2, m, c);
            a3 = MathF.FusedMultiplyAdd(a3, m, c);
            a4 = MathF.FusedMultiplyAdd(a4, m, c);
            a5 = MathF.FusedMultiplyAdd(a5, m, c);
            a6 = MathF.FusedMultiplyAdd(a6, m, c);
            a7 = MathF.FusedMultiplyAdd(a7, m, c);
            a8 = MathF.FusedMultiplyAdd(a8, m, c);
            a9 = MathF.FusedMultiplyAdd(a9, m, c);
            a10 = MathF.FusedMultiplyAdd(a10, m, c);
            a11 = MathF.FusedMultiplyAdd(a11, m, c);
        }

        _sink += a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}
