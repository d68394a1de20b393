using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>
/// A failure while packing the shared B (the 7×7 / 14×14 planes whose B every row chunk reads) must reach the
/// caller as the packer's own error. Before, the other worker spun forever at the missing K block and the run hung.
/// </summary>
[Trait("Category", "Kernels")]
public unsafe class SgemmPackFailureTests
{
    [Theory]
    [MemberData(nameof(SgemmTests.Tiers), MemberType = typeof(SgemmTests))]
    public void APackerThatThrowsFailsTheRunInsteadOfHangingIt(string kernel)
    {
        // Small N and large M: several row chunks share one packed B (each K block packed once, by any worker).
        const int m = 512, n = 49, k = 1024;
        var a = SgemmTests.RandomArray(new Random(3), m * k);
        var c = new float[m * n];
        for (int attempt = 0; attempt < 5; attempt++)
        {
            ThrowingSource.Reset();
            var run = Task.Run(() =>
            {
                fixed (float* ap = a, cp = c)
                {
                    var g = SgemmFactory.Create<ThrowingSource>(kernel, m, n, k, threads: 2);
                    Assert.True(g.Partition.MChunks > 1, $"{kernel}: the shape must share B between row chunks");
                    g.Run(g.PackWeights(m, k, ap, k, 1), default, null, cp, n);
                }
            });
            bool finished = ((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            Assert.True(finished, $"{kernel}: the run still hangs 30 s after a packer threw");
            var e = Assert.IsType<PackFailedException>(run.Exception?.InnerException);
            Assert.Equal("K block 0 cannot be packed", e.Message);
        }
    }

    private sealed class PackFailedException(string message) : Exception(message);

    /// <summary>
    /// Packs zeros, except K block 0, which fails, and only after another K block's packing started (up to 1 s),
    /// so that another worker is past its packing when the failure happens and waits for block 0.
    /// </summary>
    private readonly struct ThrowingSource : ISgemmPanelSource
    {
        private static int _otherStarted;

        public static void Reset() => Volatile.Write(ref _otherStarted, 0);

        public int DirectEnd(int n0, int n1, int nr) => n0;

        public float* Panel(int k0, int kc, int n, int nr, out long ldb) => throw new InvalidOperationException();

        public void Pack(int k0, int kc, int n0, int n1, int nr, float* dst)
        {
            if (k0 > 0)
            {
                Volatile.Write(ref _otherStarted, 1);
                new Span<float>(dst, kc * ((n1 - n0 + nr - 1) / nr * nr)).Clear();
                return;
            }

            SpinWait.SpinUntil(() => Volatile.Read(ref _otherStarted) != 0, TimeSpan.FromSeconds(1));
            throw new PackFailedException("K block 0 cannot be packed");
        }
    }
}
