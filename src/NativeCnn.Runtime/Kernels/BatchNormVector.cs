using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Float inference-mode batch normalisation over (N, C, S) with per-channel parameters (spatial mode), vectorized along
/// each plane: <c>y = (x − mean) / √(var + ε) · scale + B</c> with the same four operations in the same order as
/// <see cref="BatchNormalizationReference"/> (a subtraction, a division, a multiplication, an addition; √ once per
/// channel, the same value the reference computes per element), so every element is bitwise the reference's. A
/// BatchNormalization that follows a conv is folded into it; this runs the ones that cannot be (DenseNet's
/// pre-activation BN after a Concat: half of light DenseNet-121's forward pass on the scalar reference).
/// <para>Split over the threads like <see cref="UnaryVectorKernel"/>: the first half of every plane to the caller.</para>
/// </summary>
internal sealed unsafe class BatchNormVector : IKernel, IDescribedKernel, IActivationEpilogue
{
    /// <summary>Smallest tensor split over threads (elements).</summary>
    public const long SplitFrom = 1L << 15;

    private readonly int _batch, _channels, _size, _threads;
    private readonly float _epsilon;
    private readonly PlaneHalves _planes;
    private float* _x, _y, _scale, _bias, _mean, _var;

    public BatchNormVector(int batch, int channels, int size, float epsilon, int threads)
    {
        _batch = batch;
        _channels = channels;
        _size = size;
        _epsilon = epsilon;
        _threads = Math.Max(1, threads);
        _planes = new PlaneHalves(Plane);
    }

    private FusedActivation _activation;

    public string KernelName => (Vector512.IsHardwareAccelerated ? "BatchNormVector512" : Vector256.IsHardwareAccelerated ? "BatchNormVector256" : "BatchNormScalar") + _activation.Suffix;

    /// <summary>The activation is applied to each result in registers before it is stored.</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    public void Run(KernelArgs a)
    {
        _ = a.Inputs[0].Span<float>();     // asserts contiguity and element type
        _ = a.Outputs[0].Span<float>();
        _x = (float*)a.Inputs[0].Pointer;
        _scale = (float*)a.Inputs[1].Pointer;
        _bias = (float*)a.Inputs[2].Pointer;
        _mean = (float*)a.Inputs[3].Pointer;
        _var = (float*)a.Inputs[4].Pointer;
        _y = (float*)a.Outputs[0].Pointer;
        _planes.Run(_batch * _channels, _size, _threads, SplitFrom);
    }

    /// <summary>Positions <c>[s0, s1)</c> of plane <paramref name="row"/> = n·C + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plane(int row, long begin, long end)
    {
        int s0 = (int)begin, s1 = (int)end;
        int c = row % _channels;
        float mean = _mean[c], scale = _scale[c], bias = _bias[c];
        float denominator = MathF.Sqrt(_var[c] + _epsilon);
        float* x = _x + ((long)row * _size);
        float* y = _y + ((long)row * _size);
        int s = s0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> m = Vector512.Create(mean), d = Vector512.Create(denominator), k = Vector512.Create(scale), b = Vector512.Create(bias);
            var kind = _activation.Kind;
            var (p, q) = _activation.Parameters512;
            for (; s + 16 <= s1; s += 16)
            {
                Vector512.Store(FusedActivation.Apply(((Vector512.Load(x + s) - m) / d * k) + b, kind, p, q), y + s);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> m = Vector256.Create(mean), d = Vector256.Create(denominator), k = Vector256.Create(scale), b = Vector256.Create(bias);
            var kind = _activation.Kind;
            var (p, q) = _activation.Parameters256;
            for (; s + 8 <= s1; s += 8)
            {
                Vector256.Store(FusedActivation.Apply(((Vector256.Load(x + s) - m) / d * k) + b, kind, p, q), y + s);
            }
        }

        for (; s < s1; s++)
        {
            y[s] = _activation.Scalar(((x[s] - mean) / denominator * scale) + bias);
        }
    }
}
