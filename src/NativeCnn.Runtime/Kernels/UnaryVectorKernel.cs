using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Float Relu / LeakyRelu over a whole tensor with <see cref="ElementwiseVector"/>, split over the helper threads
/// when the tensor is large enough to pay for a helper round (each element is computed alone, so the split never
/// changes a result). The split follows the layout of the conv that wrote the input: every channel (row of
/// <c>N·C</c> rows) is cut into a first and a second half of its positions, and the items run all first halves, then
/// all second halves, in pieces of at most <see cref="Chunk"/> elements. Taken from both ends
/// (<see cref="TwoEndedItems"/>), the caller gets the first half of every channel and the helper the second,
/// the same parts of the image the two took in the conv before (its items run column chunk by column chunk), so
/// each core mostly reads what it wrote itself.
/// </summary>
internal sealed unsafe class UnaryVectorKernel : IKernel
{
    /// <summary>Most elements per work item (64 KiB of input).</summary>
    public const int Chunk = 1 << 14;

    /// <summary>
    /// Smallest tensor split over threads: 256 Ki elements. SqueezeNet's 0.8 M element Relu after conv0 went from
    /// 0.058 to 0.043 ms split (0.166 → 0.080 while the two vCPUs sat far apart); its 0.05–0.2 M element Relus did
    /// not get faster split, nor did the Concats and MaxPools after them when split the same way.
    /// </summary>
    public const long SplitFrom = 1L << 18;

    private readonly bool _leaky;
    private readonly float _alpha;
    private readonly int _threads;
    private readonly PlaneHalves _planes;
    private float* _x, _y;
    private long _n;
    private long _rowLength;

    public UnaryVectorKernel(bool leaky, float alpha, int threads)
    {
        _leaky = leaky;
        _alpha = alpha;
        _threads = Math.Max(1, threads);
        _planes = new PlaneHalves((r, begin, end) => Apply((r * _rowLength) + begin, end - begin));
    }

    public void Run(KernelArgs args)
    {
        var x = args.Inputs[0].Span<float>();     // asserts contiguity and element type
        _ = args.Outputs[0].Span<float>();
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _n = x.Length;
        if (_threads == 1 || _n < SplitFrom)
        {
            Apply(0, _n);
            return;
        }

        // Rows: N·C channels of a rank ≥ 3 tensor, else one row; the cut of each row on a cache line.
        var shape = args.Inputs[0].Shape;
        int rows = shape.Length >= 3 ? shape[0] * shape[1] : 1;
        _rowLength = _n / rows;
        _planes.Run(rows, _rowLength, _threads, splitFrom: 0);
    }

    private void Apply(long start, long count)
    {
        if (_leaky)
        {
            ElementwiseVector.LeakyRelu(_x + start, _y + start, count, _alpha);
        }
        else
        {
            ElementwiseVector.Relu(_x + start, _y + start, count);
        }
    }
}
