using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Planning;

/// <summary>
/// Whether a value is a feature map seen flat: walking back through reshaping and element-wise pass-through nodes
/// (Flatten, Reshape, Squeeze, Unsqueeze, Dropout, Identity, Relu, LeakyRelu, Clip, Cast, BatchNormalization)
/// reaches a value of rank ≥ 3 whose spatial extent (the product of the axes after the channel axis) exceeds 1. A
/// GlobalAveragePool output [N,C,1,1] is a 1-D feature vector, and so is the output of an LSTM or GRU (a sequence
/// of states [T,D,B,H]: the walk stops there with false).
/// <para>
/// One definition for the two places that must agree: the planner, which lets a batch-1 dense layer fed by such a
/// value store each output's product argmax (<see cref="NodeContext.Input0IsFlattenedFeatureMap"/>), and the
/// fixation rule of that layer, which then keeps only the argmax input and reads the stored one.
/// </para>
/// </summary>
public static class FlattenedFeatureMap
{
    /// <param name="value">The value to test.</param>
    /// <param name="shapeOf">The value's shape, or null when unknown.</param>
    /// <param name="producerOf">The node that produces the value, or null for graph inputs and constants.</param>
    public static bool Is(string value, Func<string, int[]?> shapeOf, Func<string, Node?> producerOf)
    {
        string v = value;
        for (int guard = 0; guard < 64; guard++)
        {
            var producer = producerOf(v);
            if (producer?.OpType is "LSTM" or "GRU")
            {
                return false;      // a sequence of 1-D states, not a spatial map
            }

            if (shapeOf(v) is { Length: >= 3 } shape && ShapeUtil.Product(shape.AsSpan(2)) > 1)
            {
                return true;
            }

            if (producer is null || !producer.HasInput(0) || producer.OpType is not ("Flatten" or "Reshape" or "Squeeze"
                or "Unsqueeze" or "Dropout" or "Identity" or "Relu" or "LeakyRelu" or "Clip" or "Cast" or "BatchNormalization"))
            {
                return false;
            }

            v = producer.Inputs[0];
        }

        return false;
    }
}
