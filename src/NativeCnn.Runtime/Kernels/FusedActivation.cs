using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Which element-wise activation a kernel applies to its output in its epilogue.</summary>
public enum ActivationKind
{
    None,

    /// <summary><c>max(x, 0)</c>, as the Relu kernels (<see cref="ElementwiseVector.Relu"/>).</summary>
    Relu,

    /// <summary><c>x &lt; 0 ? α·x : x</c>, as <see cref="ElementwiseVector.LeakyRelu"/>.</summary>
    LeakyRelu,

    /// <summary><c>min(max(x, lo), hi)</c> with plan-time bounds, as <see cref="ClipReference"/> (ReLU6 is lo = 0, hi = 6).</summary>
    Clip,
}

/// <summary>
/// An activation fused into the kernel that produces its input (Conv, Add): applied in place to each block of the
/// output right after the block is written, while it is still in cache. Each form is bitwise the standalone
/// operator's kernel on the same values (the same lane-wise IEEE operations), so fusing never changes a result.
/// </summary>
public readonly record struct FusedActivation(ActivationKind Kind, float Alpha = 0f, float Lo = 0f, float Hi = 0f)
{
    public static FusedActivation None => default;

    public static FusedActivation Relu => new(ActivationKind.Relu);

    public bool IsNone => Kind == ActivationKind.None;

    /// <summary>The fused op's name for kernel descriptions ("" when none).</summary>
    public string Suffix => Kind switch
    {
        ActivationKind.None => "",
        ActivationKind.Relu => "+Relu",
        ActivationKind.LeakyRelu => "+LeakyRelu",
        _ => "+Clip",
    };

    /// <summary>Applies the activation in place to <c>y[0..n)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Apply(float* y, long n)
    {
        switch (Kind)
        {
            case ActivationKind.None:
                return;
            case ActivationKind.Relu:
                ElementwiseVector.Relu(y, y, n);
                return;
            case ActivationKind.LeakyRelu:
                ElementwiseVector.LeakyRelu(y, y, n, Alpha);
                return;
            default:
                ClipVector(y, y, n, Lo, Hi);
                return;
        }
    }

    /// <summary>
    /// Relu of a vector of arithmetic results (FMA sums: never a signalling NaN), bitwise <see cref="ElementwiseVector.Relu"/>
    /// (<see cref="MathF.Max(float, float)"/> semantics) in two instructions instead of the four of <see cref="Vector512.Max{T}"/>
    /// (vrangeps and two vfixupimmps): <c>vmaxps(+0, v)</c> returns its second operand v when either is NaN (so a quiet NaN
    /// is kept with its sign and payload) and when both are zeros (so −0 stays −0), and <c>+ (+0)</c> then turns −0 into +0
    /// and leaves every other value (NaN included) as it is. A signalling NaN would come out quieted, but a sum never is one.
    /// On an 8×48 tile with K = 16 the 72 extra instructions cost as much as a fifth of the FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReluOfSum(Vector512<float> v) =>
        Avx512F.Add(Avx512F.Max(Vector512<float>.Zero, v), Vector512<float>.Zero);

    /// <summary>LeakyRelu of one vector, as <see cref="ElementwiseVector.LeakyRelu"/>: <c>x &lt; 0 ? α·x : x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Leaky(Vector512<float> v, Vector512<float> alpha) =>
        Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), alpha * v, v);

    /// <summary>LeakyRelu of one vector, as <see cref="ElementwiseVector.LeakyRelu"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Leaky(Vector256<float> v, Vector256<float> alpha) =>
        Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), alpha * v, v);

    /// <summary>Clip of one vector, as <see cref="ClipVector"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Clip(Vector512<float> v, Vector512<float> lo, Vector512<float> hi)
    {
        v = Vector512.ConditionalSelect(Vector512.LessThan(v, lo), lo, v);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(v, hi), hi, v);
    }

    /// <summary>Clip of one vector, as <see cref="ClipVector"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clip(Vector256<float> v, Vector256<float> lo, Vector256<float> hi)
    {
        v = Vector256.ConditionalSelect(Vector256.LessThan(v, lo), lo, v);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(v, hi), hi, v);
    }

    /// <summary>The scalar form of every kind (as the scalar tails of the vector kernels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Scalar(float v) => Kind switch
    {
        ActivationKind.None => v,
        ActivationKind.Relu => MathF.Max(v, 0f),
        ActivationKind.LeakyRelu => v < 0f ? Alpha * v : v,
        _ => ClipScalar(v, Lo, Hi),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ClipScalar(float v, float lo, float hi)
    {
        v = v < lo ? lo : v;
        return v > hi ? hi : v;
    }

    /// <summary>
    /// The activation of one vector (for kernels that apply it in registers before the store); <paramref name="p"/> is
    /// α (LeakyRelu) or lo (Clip), <paramref name="q"/> hi (Clip): see <see cref="Parameters512"/>. Kind None: unchanged.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Apply(Vector512<float> v, ActivationKind kind, Vector512<float> p, Vector512<float> q) => kind switch
    {
        ActivationKind.None => v,
        ActivationKind.Relu => Vector512.Max(v, Vector512<float>.Zero),
        ActivationKind.LeakyRelu => Leaky(v, p),
        _ => Clip(v, p, q),
    };

    /// <summary>As <see cref="Apply(Vector512{float}, ActivationKind, Vector512{float}, Vector512{float})"/> for 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(Vector256<float> v, ActivationKind kind, Vector256<float> p, Vector256<float> q) => kind switch
    {
        ActivationKind.None => v,
        ActivationKind.Relu => Vector256.Max(v, Vector256<float>.Zero),
        ActivationKind.LeakyRelu => Leaky(v, p),
        _ => Clip(v, p, q),
    };

    /// <summary>The vector parameters of <see cref="Apply(Vector512{float}, ActivationKind, Vector512{float}, Vector512{float})"/>.</summary>
    public (Vector512<float> P, Vector512<float> Q) Parameters512 =>
        (Vector512.Create(Kind == ActivationKind.Clip ? Lo : Alpha), Vector512.Create(Hi));

    /// <summary>The vector parameters of <see cref="Apply(Vector256{float}, ActivationKind, Vector256{float}, Vector256{float})"/>.</summary>
    public (Vector256<float> P, Vector256<float> Q) Parameters256 =>
        (Vector256.Create(Kind == ActivationKind.Clip ? Lo : Alpha), Vector256.Create(Hi));

    /// <summary><c>v = x &lt; lo ? lo : x; y = v &gt; hi ? hi : v</c> lane by lane (NaN passes through), which is <see cref="ClipReference"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void ClipVector(float* x, float* y, long n, float lo, float hi)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var l = Vector512.Create(lo);
            var h = Vector512.Create(hi);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.Load(x + i);
                v = Vector512.ConditionalSelect(Vector512.LessThan(v, l), l, v);
                Vector512.ConditionalSelect(Vector512.GreaterThan(v, h), h, v).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var l = Vector256.Create(lo);
            var h = Vector256.Create(hi);
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Load(x + i);
                v = Vector256.ConditionalSelect(Vector256.LessThan(v, l), l, v);
                Vector256.ConditionalSelect(Vector256.GreaterThan(v, h), h, v).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            float v = x[i];
            v = v < lo ? lo : v;
            y[i] = v > hi ? hi : v;
        }
    }
}

/// <summary>Kernels that can apply a <see cref="FusedActivation"/> to their output as they write it.</summary>
public interface IActivationEpilogue
{
    /// <summary>Sets the activation (once, at plan time, before the first run).</summary>
    void SetActivation(FusedActivation activation);
}

/// <summary>
/// A kernel without an epilogue, followed by the activation as a separate in-place pass over output 0 (the rare
/// paths: the reference conv, broadcasting binary ops).
/// </summary>
public sealed unsafe class ActivationAfterKernel(Planning.IKernel inner, FusedActivation activation) : Planning.IKernel, Planning.IDescribedKernel, Planning.IOwnedMemory
{
    public Planning.IKernel Inner => inner;

    public FusedActivation Activation => activation;

    /// <summary>What the inner kernel owns.</summary>
    void Planning.IOwnedMemory.ReportMemory(Planning.OwnedMemory memory) => memory.Kernel(inner);

    public string KernelName => (inner is Planning.IDescribedKernel d ? d.KernelName : inner.GetType().Name) + activation.Suffix + "(pass)";

    public void Run(Planning.KernelArgs args)
    {
        inner.Run(args);
        var y = args.Outputs[0];
        _ = y.Span<float>();        // asserts contiguity and element type
        activation.Apply((float*)y.Pointer, y.Length);
    }
}
