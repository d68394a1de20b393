using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>
/// Ops whose output element <c>i</c> depends on input-0 element <c>i</c> alone (element-wise activations,
/// inference BatchNormalization, Dropout, Identity, Cast), or that only rename axes over the same row-major
/// elements (Flatten, Reshape, Squeeze, Unsqueeze): the point passes through with the same flat index.
/// LRN and Softmax/LogSoftmax read neighbours too, but the reference passes points through them unchanged.
/// Other inputs (slopes, clip bounds, BN statistics) are constants or parameters and get nothing.
/// </summary>
[FixationRule(OpKind.Relu, OpKind.LeakyRelu, OpKind.PRelu, OpKind.Clip, OpKind.Sigmoid, OpKind.Tanh, OpKind.HardSigmoid,
    OpKind.BatchNormalization, OpKind.LRN, OpKind.Dropout, OpKind.Identity, OpKind.Softmax, OpKind.LogSoftmax, OpKind.Cast,
    OpKind.Flatten, OpKind.Reshape, OpKind.Squeeze, OpKind.Unsqueeze)]
internal sealed class PassThroughRule : FixationRule
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backtrack(RuleContext ctx)
    {
        long n = ctx.Input(0).Length;
        if (ctx.Output(0).Length != n)
        {
            throw ctx.Error($"output has {ctx.Output(0).Length} elements but input 0 has {n}; cannot pass points through");
        }

        // Only output 0 carries the data (Dropout's mask and BN's training outputs are not followed).
        foreach (long f in ctx.OutputFixations(0))
        {
            ctx.Add(0, f);
        }
    }
}
