using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations.Internal;

/// <summary>Recognises a pooling step that turns a class map into class scores.</summary>
internal static class ClassMap
{
    /// <summary>
    /// What <see cref="AveragePoolRule.Auto"/> does at a class-map pool: the positions above the pooled value. Measured
    /// with <c>nativecnn eval localization</c> on the 1000 shared ILSVRC val images, SqueezeNet 1.1: all-positive gives
    /// GT-known 60.3 % (off-centre slice 3.1 %, no better than the full-image box), above-mean 66.2 % (off-centre 21.7 %).
    /// </summary>
    public const Fixations.AveragePoolRule Selection = Fixations.AveragePoolRule.AboveMean;

    /// <summary>Ops that only move, reshape or monotonically rescale values: they do not weigh channels against each other.</summary>
    private static readonly HashSet<OpKind> Unweighted =
    [
        OpKind.Flatten, OpKind.Reshape, OpKind.Squeeze, OpKind.Unsqueeze, OpKind.Identity, OpKind.Dropout, OpKind.Cast,
        OpKind.Relu, OpKind.LeakyRelu, OpKind.Clip, OpKind.Sigmoid, OpKind.Tanh, OpKind.HardSigmoid, OpKind.Softmax, OpKind.LogSoftmax,
    ];

    /// <summary>
    /// True when every path from the step's output to a graph output goes through <see cref="Unweighted"/> ops only
    /// (and at least one path reaches a graph output).
    /// </summary>
    public static bool FeedsOutputUnweighted(ExecutionPlan plan, PlanStep step)
    {
        bool reached = false;
        var stack = new Stack<string>(step.Outputs.Where(o => o.Length > 0));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (stack.TryPop(out var value))
        {
            if (!seen.Add(value))
            {
                continue;
            }

            if (plan.OutputNames.Contains(value))
            {
                reached = true;
            }

            if (!plan.Consumers.TryGetValue(value, out var consumers))
            {
                continue;
            }

            foreach (int c in consumers)
            {
                var s = plan.Steps[c];
                if (!Unweighted.Contains(s.Kind))
                {
                    return false;
                }

                foreach (var o in s.Outputs.Where(o => o.Length > 0))
                {
                    stack.Push(o);
                }
            }
        }

        return reached;
    }
}
