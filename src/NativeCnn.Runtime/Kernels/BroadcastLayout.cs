namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// How inputs of an element-wise op map onto its output under numpy-style broadcasting, fixed at plan time:
/// the output shape and, per input, one stride per output axis (in elements of that input, row-major, and 0 on
/// every axis along which the input is broadcast). Element <c>i</c> (a multi-index) of the output reads
/// input <c>k</c> at offset <c>Σ_d i[d] · InputStrides[k][d]</c>.
/// </summary>
public sealed record BroadcastLayout(int[] OutputShape, long[][] InputStrides)
{
    public int Rank => OutputShape.Length;

    public long OutputLength => ShapeUtil.Product(OutputShape);

    /// <summary>Multidirectional (numpy) broadcasting of any number of input shapes.</summary>
    public static BroadcastLayout Multidirectional(IReadOnlyList<int[]> shapes)
    {
        if (shapes.Count == 0)
        {
            throw new ArgumentException("broadcasting needs at least one shape");
        }

        int[] output = shapes[0];
        for (int k = 1; k < shapes.Count; k++)
        {
            output = ShapeUtil.Broadcast(output, shapes[k]);
        }

        return new BroadcastLayout(output, shapes.Select(s => StridesInto(s, output)).ToArray());
    }

    /// <summary>
    /// Unidirectional broadcasting: <paramref name="source"/> must broadcast to <paramref name="target"/>
    /// unchanged (the target shape is the output shape). Input 0 is the target, input 1 the source.
    /// </summary>
    public static BroadcastLayout Unidirectional(int[] target, int[] source)
    {
        if (!ShapeUtil.SameShape(ShapeUtil.Broadcast(target, source), target))
        {
            throw new InvalidModelException($"shape {ShapeUtil.Format(source)} does not broadcast to {ShapeUtil.Format(target)}");
        }

        return new BroadcastLayout(target, [StridesInto(target, target), StridesInto(source, target)]);
    }

    /// <summary>Strides of a dense row-major tensor of shape <paramref name="shape"/> read at the axes of <paramref name="output"/> (right-aligned; 0 where broadcast).</summary>
    public static long[] StridesInto(ReadOnlySpan<int> shape, ReadOnlySpan<int> output)
    {
        var dense = ShapeUtil.ContiguousStrides(shape);
        var strides = new long[output.Length];
        int lead = output.Length - shape.Length;
        for (int d = 0; d < output.Length; d++)
        {
            int s = d - lead;
            strides[d] = s < 0 || shape[s] == 1 ? 0 : dense[s];
        }

        return strides;
    }
}
