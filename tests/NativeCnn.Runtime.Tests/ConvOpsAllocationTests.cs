using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;
using static NativeCnn.Runtime.Tests.ConvOpsHarness;

namespace NativeCnn.Runtime.Tests;

/// <summary>The conv/pool/dense kernels allocate nothing on the managed heap in a steady-state single-threaded run.</summary>
public class ConvOpsAllocationTests
{
    [Fact]
    public void SteadyStateRunOfEveryConvFamilyKernelAllocatesNothing()
    {
        var rng = new Random(11);
        var g = new ModelGraph { OpsetVersions = { [""] = 22 } };
        g.Inputs.Add(new ValueInfo { Name = "x", DataType = DataType.Float32 });
        g.Inputs.Add(new ValueInfo { Name = "a", DataType = DataType.Float32 });
        g.Initializers["w"] = Random(rng, 4, 3, 3, 3);
        g.Initializers["b"] = Random(rng, 4);
        foreach (var n in new[] { "s", "bb", "m" })
        {
            g.Initializers[n] = Random(rng, 4);
        }

        g.Initializers["v"] = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 4);
        g.Initializers["wt"] = Random(rng, 4, 2, 2, 2);
        g.Initializers["mm"] = Random(rng, 1, 5);
        g.Initializers["gb"] = Random(rng, 4, 6);
        g.Nodes.AddRange(
        [
            new Node { OpType = "Conv", Inputs = ["x", "w", "b"], Outputs = ["c"], Attributes = { ["pads"] = A("pads", 1, 1, 1, 1) } },
            new Node { OpType = "BatchNormalization", Inputs = ["c", "s", "bb", "m", "v"], Outputs = ["bn"] },
            new Node { OpType = "MaxPool", Inputs = ["bn"], Outputs = ["mp", "mi"], Attributes = { ["kernel_shape"] = A("kernel_shape", 2, 2), ["strides"] = A("strides", 2, 2) } },
            new Node { OpType = "AveragePool", Inputs = ["mp"], Outputs = ["ap"], Attributes = { ["kernel_shape"] = A("kernel_shape", 2, 2), ["pads"] = A("pads", 1, 1, 0, 0) } },
            new Node { OpType = "LRN", Inputs = ["ap"], Outputs = ["lrn"], Attributes = { ["size"] = I("size", 3) } },
            new Node { OpType = "ConvTranspose", Inputs = ["lrn", "wt"], Outputs = ["ct"], Attributes = { ["strides"] = A("strides", 2, 2) } },
            new Node { OpType = "GlobalAveragePool", Inputs = ["ct"], Outputs = ["gap"] },
            new Node { OpType = "GlobalMaxPool", Inputs = ["lrn"], Outputs = ["gmp"] },
            new Node { OpType = "MatMul", Inputs = ["gmp", "mm"], Outputs = ["y1"] },
            new Node { OpType = "Gemm", Inputs = ["a", "gb"], Outputs = ["y2"] },
        ]);
        g.Outputs.AddRange([new ValueInfo { Name = "y1" }, new ValueInfo { Name = "y2" }, new ValueInfo { Name = "gap" }, new ValueInfo { Name = "mi" }]);

        using var session = new InferenceSession(g, new PlanOptions { Threads = 1, Fusion = false, Profile = false });
        session.Run([new("x", Random(rng, 1, 3, 8, 8)), new("a", Random(rng, 3, 4))]);
        session.RunInPlace();
        long before = GC.GetAllocatedBytesForCurrentThread();
        session.RunInPlace();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(10, session.Plan!.Steps.Count);
        Assert.True(allocated == 0, $"a steady-state run allocated {allocated} bytes");
    }
}
