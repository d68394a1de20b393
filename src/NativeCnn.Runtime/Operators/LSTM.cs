using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>
/// LSTM (one layer, gate order i, o, f, c; formulas in <see cref="LstmReference"/>). Inputs X, W, R, optional B,
/// sequence_lens, initial_h, initial_c, P; outputs Y, Y_h, Y_c, all optional. Besides the outputs, the store
/// always keeps, time-major [T, D, B, ·] whatever the layout, indexed by the time step and zero past a row's
/// sequence length: <c>#gates</c> (post-activation i|o|f|c, 4H), <c>#cell</c> (c_t), <c>#hidden</c> (h_t) and
/// <c>#preact</c> (gate sums before clip and activation, peepholes included, 4H), for the backtracker.
/// </summary>
[Operator(OpKind.LSTM)]
public sealed class LSTM : Operator
{
    public override IKernel Plan(NodeContext ctx)
    {
        var s = RecurrentPlanning.Check(ctx, gates: 4);
        int[] state = s.Layout == 0 ? [s.Directions, s.Batch, s.HiddenSize] : [s.Batch, s.Directions, s.HiddenSize];
        if (ctx.HasInput(6))
        {
            ctx.ExpectType(6, DataType.Float32);
            RecurrentPlanning.Expect(ctx, 6, "initial_c", state);
        }

        if (ctx.HasInput(7))
        {
            ctx.ExpectType(7, DataType.Float32);
            RecurrentPlanning.Expect(ctx, 7, "P", [s.Directions, 3 * s.HiddenSize]);
        }

        long inputForget = ctx.Int("input_forget", 0);
        if (inputForget is not (0 or 1))
        {
            throw ctx.Error($"input_forget must be 0 or 1, got {inputForget}");
        }

        if (ctx.HasOutput(2))
        {
            ctx.SetOutput(2, DataType.Float32, state);
        }

        var activations = RecurrentPlanning.Activations(ctx, [RnnActivation.Sigmoid, RnnActivation.Tanh, RnnActivation.Tanh], s.Directions);
        var p = new LstmParams(s.SeqLength, s.Batch, s.InputSize, s.HiddenSize, s.Direction, s.Layout, s.Clip, inputForget == 1, activations);

        int[] gates = [s.SeqLength, s.Directions, s.Batch, 4 * s.HiddenSize];
        int[] perUnit = [s.SeqLength, s.Directions, s.Batch, s.HiddenSize];
        int g = ctx.AddAuxiliary("gates", DataType.Float32, gates,
            "LSTM gates after activation, [T,D,B,4H] time-major, rows i|o|f|c (f = 1−i with input_forget), zero for t ≥ sequence_lens[b]");
        int c = ctx.AddAuxiliary("cell", DataType.Float32, perUnit,
            "LSTM cell state c_t, [T,D,B,H] time-major, zero for t ≥ sequence_lens[b]; reverse direction indexed by t");
        int h = ctx.AddAuxiliary("hidden", DataType.Float32, perUnit,
            "LSTM hidden state h_t, [T,D,B,H] time-major (the Y values whatever the layout), zero for t ≥ sequence_lens[b]");
        int pre = ctx.AddAuxiliary("preact", DataType.Float32, gates,
            "LSTM gate sums W·x_t + R·h + Wb + Rb (+ peephole) before clip and activation, [T,D,B,4H], rows i|o|f|c");
        if (g != LstmReference.AuxGates || c != LstmReference.AuxCell || h != LstmReference.AuxHidden || pre != LstmReference.AuxPreact)
        {
            throw new InvalidOperationException("LSTM auxiliary values declared out of order");
        }

        return new LstmReference(p);
    }
}
