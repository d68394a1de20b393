using System.Diagnostics;
using System.Runtime;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Planning;

/// <summary>The planner's helpers for keeping weight copies and planning garbage down (issue 5).</summary>
public static partial class Planner
{
    /// <summary>
    /// Convs whose only consumer is a BatchNormalization that fusion may fold into them. They are planned first with the
    /// reference kernel, which packs nothing: when the fold succeeds the conv is planned again with the folded weights,
    /// and a packed first kernel would only be garbage (ResNet-18: every conv's packed weights and scratch, lingering
    /// until a full collection). When the fold fails, the step gets its real kernel at the end of planning.
    /// </summary>
    private static HashSet<Node> ConvsBeforeBatchNorm(ModelGraph graph, Dictionary<string, int> consumerCount, HashSet<string> graphOutputs, PlanOptions options)
    {
        var result = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        if (!options.Fusion || options.ReferenceKernels)
        {
            return result;
        }

        var bnInputs = new HashSet<string>(graph.Nodes.Where(n => n.OpType == "BatchNormalization" && n.Domain.Length == 0 && n.Inputs.Count > 0).Select(n => n.Inputs[0]),
            StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            if (n.OpType == "Conv" && n.Domain.Length == 0 && n.Inputs.Count > 0 && n.Outputs.Count == 1 && bnInputs.Contains(n.Outputs[0]) &&
                consumerCount.GetValueOrDefault(n.Outputs[0]) == 1 && !graphOutputs.Contains(n.Outputs[0]))
            {
                result.Add(n);
            }
        }

        return result;
    }

    /// <summary>
    /// <see cref="TryFoldIntoConv"/> with the re-planned conv's kernel reserving its scratch in the plan's shared block
    /// (a step of its own: it replaces the provisional kernel, which reserved nothing).
    /// </summary>
    private static bool TryFoldIntoConvStep(Node bn, List<PlanStep> steps, Dictionary<string, PlannedValue> values, Dictionary<string, Tensor> constants,
        Dictionary<string, int> consumerCount, HashSet<string> graphOutputs, long opset, PlanOptions options, SharedScratch scratch)
    {
        using var step = SharedScratch.Step(scratch);
        return TryFoldIntoConv(bn, steps, values, constants, consumerCount, graphOutputs, opset, options);
    }

    /// <summary>
    /// One blocking, compacting collection of every generation, the large object heap included, at the end of planning:
    /// planning leaves garbage the GC would otherwise keep committed for the process's life (unpacked and folded weight
    /// copies, provisional kernels, contexts; ResNet-18: ~37 MiB). Aggressive mode also decommits the freed regions.
    /// One-time; returns its cost in milliseconds.
    /// </summary>
    private static double CompactAfterPlanning()
    {
        long t0 = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }

    /// <summary>
    /// Whether the kernel copied its constant weight (input 1) into its own layout at plan time and never reads it when
    /// it runs (<see cref="IWeightInputReader"/>). Not those that pack it per call (low memory): they read the (folded)
    /// tensor on every call, so it stays a plan constant.
    /// </summary>
    private static bool CopiesWeights(IKernel kernel) => kernel is IWeightInputReader { ReadsWeightInput: false };
}
