using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Float local response normalisation across channels (<see cref="LrnReference"/>'s formula), vectorized along the
/// positions of a plane: <c>d = bias + alpha/size · Σ_{c'} x[c']²</c> over the window of channels, then
/// <c>y = x / d^beta</c>. The square sum runs over c' ascending with a multiply then an add, and d is a multiply
/// then an add, as in the reference, so d is bitwise the reference's; only the power differs: for beta = 0.75
/// (AlexNet, GoogLeNet) <c>d^0.75 = √d · √√d</c>, for 0.5 <c>√d</c>, for 1 <c>d</c> (square roots correctly rounded:
/// within 2 ulp of <c>MathF.Pow</c>); other betas call <c>MathF.Pow</c> per element. Every lane is computed alone,
/// so vector width and thread count never change a result.
/// <para>
/// Split over the threads like <see cref="UnaryVectorKernel"/>: the first half of every plane's positions to the
/// caller, the second half to a helper, the halves of the conv before it.
/// </para>
/// </summary>
internal sealed unsafe class LrnVector : IKernel, IDescribedKernel
{
    /// <summary>Smallest tensor split over threads (elements).</summary>
    public const long SplitFrom = 1L << 15;

    private enum Power { Pow, ThreeQuarters, Half, One }

    private readonly int _batch, _channels, _size, _before, _after, _threads;
    private readonly float _scale, _beta, _bias;
    private readonly Power _power;
    private readonly PlaneHalves _planes;
    private float* _x, _y;

    public LrnVector(int batch, int channels, int size, int window, float alpha, float beta, float bias, int threads)
    {
        _batch = batch;
        _channels = channels;
        _size = size;
        _before = (window - 1) / 2;
        _after = window - 1 - _before;
        _scale = alpha / window;
        _beta = beta;
        _bias = bias;
        _power = beta switch { 0.75f => Power.ThreeQuarters, 0.5f => Power.Half, 1f => Power.One, _ => Power.Pow };
        _threads = Math.Max(1, threads);
        _planes = new PlaneHalves(Plane);
    }

    public string KernelName => Vector512.IsHardwareAccelerated ? "LrnVector512" : Vector256.IsHardwareAccelerated ? "LrnVector256" : "LrnScalar";

    public void Run(KernelArgs args)
    {
        _ = args.Inputs[0].Span<float>();     // asserts contiguity and element type
        _ = args.Outputs[0].Span<float>();
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        _planes.Run(_batch * _channels, _size, _threads, SplitFrom);
    }

    /// <summary>Positions <c>[s0, s1)</c> of plane <paramref name="row"/> = n·C + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plane(int row, long begin, long end)
    {
        int s0 = (int)begin, s1 = (int)end;
        int n = row / _channels, c = row % _channels;
        int c0 = Math.Max(0, c - _before), c1 = Math.Min(_channels - 1, c + _after);
        long size = _size;
        float* plane0 = _x + ((long)n * _channels * size);
        float* x = _x + ((long)row * size);
        float* y = _y + ((long)row * size);
        int s = s0;
        if (Vector512.IsHardwareAccelerated)
        {
            var scale = Vector512.Create(_scale);
            var bias = Vector512.Create(_bias);
            for (; s + 16 <= s1; s += 16)
            {
                var sum = Vector512<float>.Zero;
                for (int k = c0; k <= c1; k++)
                {
                    var v = Vector512.Load(plane0 + (k * size) + s);
                    sum += v * v;
                }

                var d = bias + (scale * sum);
                Vector512.Store(Vector512.Load(x + s) / Power512(d), y + s);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var scale = Vector256.Create(_scale);
            var bias = Vector256.Create(_bias);
            for (; s + 8 <= s1; s += 8)
            {
                var sum = Vector256<float>.Zero;
                for (int k = c0; k <= c1; k++)
                {
                    var v = Vector256.Load(plane0 + (k * size) + s);
                    sum += v * v;
                }

                var d = bias + (scale * sum);
                Vector256.Store(Vector256.Load(x + s) / Power256(d), y + s);
            }
        }

        for (; s < s1; s++)
        {
            float sum = 0;
            for (int k = c0; k <= c1; k++)
            {
                float v = plane0[(k * size) + s];
                sum += v * v;
            }

            float d = _bias + (_scale * sum);
            y[s] = x[s] / PowerScalar(d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<float> Power512(Vector512<float> d)
    {
        switch (_power)
        {
            case Power.ThreeQuarters:
                var r = Vector512.Sqrt(d);
                return r * Vector512.Sqrt(r);
            case Power.Half:
                return Vector512.Sqrt(d);
            case Power.One:
                return d;
            default:
                var p = stackalloc float[16];
                d.Store(p);
                for (int i = 0; i < 16; i++)
                {
                    p[i] = MathF.Pow(p[i], _beta);
                }

                return Vector512.Load(p);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector256<float> Power256(Vector256<float> d)
    {
        switch (_power)
        {
            case Power.ThreeQuarters:
                var r = Vector256.Sqrt(d);
                return r * Vector256.Sqrt(r);
            case Power.Half:
                return Vector256.Sqrt(d);
            case Power.One:
                return d;
            default:
                var p = stackalloc float[8];
                d.Store(p);
                for (int i = 0; i < 8; i++)
                {
                    p[i] = MathF.Pow(p[i], _beta);
                }

                return Vector256.Load(p);
        }
    }

    private float PowerScalar(float d) => _power switch
    {
        Power.ThreeQuarters => MathF.Sqrt(d) * MathF.Sqrt(MathF.Sqrt(d)),
        Power.Half => MathF.Sqrt(d),
        Power.One => d,
        _ => MathF.Pow(d, _beta),
    };
}
