using NativeCnn.Runtime.Graph;

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

    /// <summary>Kernels that copy their constant weight (input 1) into their own layout at plan time and never read it when they run.</summary>
    private static bool CopiesWeights(IKernel kernel) =>
        kernel is Kernels.ConvSgemm or Kernels.ConvWinogradF4x4 or Kernels.ConvSmallPlane or Kernels.ConvDirectSmallK;
}
