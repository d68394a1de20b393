using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>The shape and attribute checks LSTM and GRU share (inputs X, W, R, B, sequence_lens, initial_h; outputs Y, Y_h).</summary>
internal static class RecurrentPlanning
{
    /// <summary>What <see cref="Check"/> found: sizes, direction and layout of a recurrent node.</summary>
    internal sealed record Shapes(int SeqLength, int Batch, int InputSize, int HiddenSize, RnnDirection Direction, int Directions, int Layout, float Clip);

    /// <summary>
    /// Validates inputs 0–5 of a recurrent node with <paramref name="gates"/> gates (LSTM 4, GRU 3) and declares
    /// outputs Y (0) and Y_h (1). Layout 0: X [T,B,I], Y [T,D,B,H], states [D,B,H]; layout 1 (opset ≥ 14):
    /// X [B,T,I], Y [B,T,D,H], states [B,D,H].
    /// </summary>
    internal static Shapes Check(NodeContext ctx, int gates)
    {
        ctx.ExpectType(0, DataType.Float32);
        ctx.ExpectType(1, DataType.Float32);
        ctx.ExpectType(2, DataType.Float32);

        int layout = (int)ctx.Int("layout", 0);
        if (layout is not (0 or 1))
        {
            throw ctx.Error($"layout must be 0 or 1, got {layout}");
        }

        if (layout == 1 && ctx.Opset < 14)
        {
            throw ctx.Error("the layout attribute exists from opset 14 on");
        }

        var direction = ctx.String("direction", "forward") switch
        {
            "forward" => RnnDirection.Forward,
            "reverse" => RnnDirection.Reverse,
            "bidirectional" => RnnDirection.Bidirectional,
            var s => throw ctx.Error($"direction must be forward, reverse or bidirectional, got '{s}'"),
        };
        int dirs = direction == RnnDirection.Bidirectional ? 2 : 1;

        var x = ctx.InputShape(0);
        if (x.Length != 3)
        {
            throw ctx.Error($"X must have rank 3, got {ShapeUtil.Format(x)}");
        }

        int seq = layout == 0 ? x[0] : x[1];
        int batch = layout == 0 ? x[1] : x[0];
        int input = x[2];

        var w = ctx.InputShape(1);
        if (w.Length != 3 || w[0] != dirs || w[2] != input || w[1] % gates != 0)
        {
            throw ctx.Error($"W must be [{dirs}, {gates}·hidden_size, {input}], got {ShapeUtil.Format(w)}");
        }

        int hidden = (int)ctx.Int("hidden_size", w[1] / gates);
        if (hidden <= 0 || hidden * gates != w[1])
        {
            throw ctx.Error($"hidden_size {hidden} does not match W {ShapeUtil.Format(w)} ({gates} gates)");
        }

        Expect(ctx, 2, "R", [dirs, gates * hidden, hidden]);
        if (ctx.HasInput(3))
        {
            ctx.ExpectType(3, DataType.Float32);
            Expect(ctx, 3, "B", [dirs, 2 * gates * hidden]);
        }

        if (ctx.HasInput(4))
        {
            ctx.ExpectType(4, DataType.Int32);
            Expect(ctx, 4, "sequence_lens", [batch]);
            if (ctx.Constant(4) is { } lens)
            {
                foreach (var l in lens.ToInt64Array())
                {
                    if (l < 0 || l > seq)
                    {
                        throw ctx.Error($"sequence_lens holds {l}, outside [0, {seq}]");
                    }
                }
            }
        }

        int[] state = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
        if (ctx.HasInput(5))
        {
            ctx.ExpectType(5, DataType.Float32);
            Expect(ctx, 5, "initial_h", state);
        }

        float clip = float.PositiveInfinity;
        if (ctx.Node.Attribute("clip") is not null)
        {
            clip = ctx.Float("clip", 0f);
            if (!(clip > 0f))
            {
                throw ctx.Error($"clip must be positive, got {clip}");
            }
        }

        if (ctx.HasOutput(0))
        {
            ctx.SetOutput(0, DataType.Float32, layout == 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden]);
        }

        if (ctx.HasOutput(1))
        {
            ctx.SetOutput(1, DataType.Float32, state);
        }

        return new Shapes(seq, batch, input, hidden, direction, dirs, layout, clip);
    }

    internal static RnnActivation[] Activations(NodeContext ctx, RnnActivation[] defaults, int directions)
    {
        try
        {
            return RnnActivation.Resolve(ctx.Strings("activations"), ctx.Floats("activation_alpha"), ctx.Floats("activation_beta"), defaults, directions);
        }
        catch (ArgumentException e)
        {
            throw ctx.Unsupported(e.Message);
        }
    }

    internal static void Expect(NodeContext ctx, int i, string name, int[] shape)
    {
        var s = ctx.InputShape(i);
        if (!ShapeUtil.SameShape(s, shape))
        {
            throw ctx.Error($"{name} must be {ShapeUtil.Format(shape)}, got {ShapeUtil.Format(s)}");
        }
    }
}
