using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Runtime.Tests;

[CollectionDefinition("alone", DisableParallelization = true)]
public sealed class AloneCollection;

/// <summary>
/// A forward pass of a whole real model allocates nothing on the managed heap once the session is warm, on any
/// number of threads (measured over all threads of the process; this collection runs alone).
/// </summary>
[Collection("alone")]
public class SteadyStateAllocationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("squeezenet1.1/squeezenet1.1.onnx", 1)]
    [InlineData("squeezenet1.1/squeezenet1.1.onnx", 2)]
    [InlineData("tiny-darknet/tiny_darknet.onnx", 2)]
    public void WarmRunsAllocateNothing(string model, int threads)
    {
        string path = TestAssets.Path("models", model);
        var input = OnnxTensor.Read(Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0", "input_0.pb")).Tensor;
        using var session = new InferenceSession(OnnxModel.Load(path), new PlanOptions { Threads = threads });
        session.Run(input);
        for (int i = 0; i < 3; i++)
        {
            session.RunInPlace();
        }

        // GC.GetTotalAllocatedBytes counts every thread of the process, the test runner's included, which allocates
        // now and then while it reports other tests. A real per-run allocation shows in every window; the runner's
        // noise does not, so the smallest window is the kernel's own figure.
        const int runs = 5, windows = 10;
        long perRun = long.MaxValue;
        for (int wdw = 0; wdw < windows && perRun > 0; wdw++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int i = 0; i < runs; i++)
            {
                session.RunInPlace();
            }

            perRun = Math.Min(perRun, (GC.GetTotalAllocatedBytes(precise: true) - before) / runs);
        }

        output.WriteLine($"{model}, {threads} thread(s): {perRun} bytes allocated per run");
        Assert.True(perRun == 0, $"{model} on {threads} thread(s) allocates {perRun} bytes per run");
    }
}
