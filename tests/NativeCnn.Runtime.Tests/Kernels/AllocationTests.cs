using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>Steady state: a planned kernel's Run allocates nothing on the managed heap (one thread; the thread pool's
/// Parallel.For bookkeeping is the only allocation with more).</summary>
[Trait("Category", "Kernels")]
public unsafe class AllocationTests
{
    [Fact]
    public void ConvGemmWinogradDepthwiseAndDenseKernelsAllocateNothingPerRun()
    {
        var rng = new Random(41);
        var isa = KernelIsaSupport.Best;
        var conv = ConvKernelTests.Params(1, 32, 32, 12, 12, 3, 1, 1, 1, 1, 1);
        var dw = ConvKernelTests.Params(1, 8, 8, 12, 20, 3, 1, 1, 1, 1, 8);
        var x = SgemmTests.RandomArray(rng, 32 * 12 * 20);
        var w = SgemmTests.RandomArray(rng, 32 * 32 * 9);
        var b = SgemmTests.RandomArray(rng, 32);
        var y = new float[32 * 12 * 20];
        var fc = new GemmParams(1, 30, 40, false, true, 1f, 1f, false, 0, 0);
        var fcW = Tensor.FromArray(SgemmTests.RandomArray(rng, 30 * 40), 30, 40);
        var fc2 = fc with { M = 3 };
        fixed (float* xp = x, wp = w, bp = b, yp = y)
        {
            var kernels = new (Planning.IKernel Kernel, Planning.KernelArgs Args)[]
            {
                (new ConvSgemm(conv, wp, isa, 1), ConvKernelTests.Args(conv, xp, wp, bp, yp, 1)),
                (new ConvWinogradF4x4(conv, wp, isa, 1), ConvKernelTests.Args(conv, xp, wp, bp, yp, 1)),
                (new ConvDepthwise(dw, isa, 1), ConvKernelTests.Args(dw, xp, wp, bp, yp, 1)),
                (new DenseSgemm(fc, fcW, isa, 1), Dense(fc, xp, fcW, yp)),
                (new DenseSgemm(fc2, fcW, isa, 1), Dense(fc2, xp, fcW, yp)),
            };
            foreach (var (kernel, args) in kernels)
            {
                kernel.Run(args);
                long before = GC.GetAllocatedBytesForCurrentThread();
                kernel.Run(args);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated == 0, $"{((Planning.IDescribedKernel)kernel).KernelName} allocated {allocated} bytes in a steady-state run");
            }
        }
    }

    private static Planning.KernelArgs Dense(GemmParams p, float* x, Tensor w, float* y) =>
        new([new TensorView(DataType.Float32, [p.M, p.K], (nint)x), w.View, default], [new TensorView(DataType.Float32, [p.M, p.N], (nint)y)], [], 1);
}
