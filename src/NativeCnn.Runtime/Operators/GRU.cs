using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// GRU (one layer, gate order z, r, h; formulas in <see cref="GruReference"/>). Inputs X, W, R, optional B,
/// sequence_lens, initial_h; outputs Y, Y_h, both optional. Besides the outputs, the store always keeps,
/// time-major [T, D, B, ·] whatever the layout, indexed by the time step and zero past a row's sequence length:
/// <c>#gates</c> (post-activation z|r|h~, 3H), <c>#hidden</c> (h_t) and <c>#preact</c> (the arguments of clip and
/// activation, 3H), for the backtracker.
/// </summary>
[Operator(OpKind.GRU)]
public sealed class GRU : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var s = RecurrentPlanning.Check(ctx, gates: 3);
        bool linearBeforeReset = ctx.Int("linear_before_reset", 0) != 0;
        var activations = RecurrentPlanning.Activations(ctx, [RnnActivation.Sigmoid, RnnActivation.Tanh], s.Directions);
        var p = new GruParams(s.SeqLength, s.Batch, s.InputSize, s.HiddenSize, s.Direction, s.Layout, s.Clip, linearBeforeReset, activations);

        int[] gates = [s.SeqLength, s.Directions, s.Batch, 3 * s.HiddenSize];
        int g = ctx.AddAuxiliary("gates", DataType.Float32, gates,
            "GRU gates after activation, [T,D,B,3H] time-major, rows z|r|h~, zero for t ≥ sequence_lens[b]");
        int h = ctx.AddAuxiliary("hidden", DataType.Float32, [s.SeqLength, s.Directions, s.Batch, s.HiddenSize],
            "GRU hidden state h_t, [T,D,B,H] time-major (the Y values whatever the layout), zero for t ≥ sequence_lens[b]");
        int pre = ctx.AddAuxiliary("preact", DataType.Float32, gates,
            "GRU gate arguments before clip and activation, [T,D,B,3H], rows z|r|h~ (h~ row includes the reset gate as linear_before_reset says)");
        if (g != GruReference.AuxGates || h != GruReference.AuxHidden || pre != GruReference.AuxPreact)
        {
            throw new InvalidOperationException("GRU auxiliary values declared out of order");
        }

        return new GruReference(p);
    }
}
