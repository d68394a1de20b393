using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// SIMD element-wise float kernels, each bitwise equal to its scalar reference (IEEE operations lane by lane):
/// Relu as <c>max(x, +0)</c> with <see cref="MathF.Max(float, float)"/> semantics (NaN kept, −0 → +0), which is
/// <see cref="ReluReference"/>; LeakyRelu; Add / Sub / Mul over dense or repeated operands, which is
/// <see cref="BinaryBroadcastReference"/> on one contiguous block. Vector512 when accelerated, else Vector256,
/// with a scalar tail (and the scalar loop alone under DOTNET_EnableHWIntrinsic=0).
/// </summary>
internal static unsafe class ElementwiseVector
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Relu(float* x, float* y, long n)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                Vector512.Max(Vector512.Load(x + i), Vector512<float>.Zero).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 8 <= n; i += 8)
            {
                Vector256.Max(Vector256.Load(x + i), Vector256<float>.Zero).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            float v = x[i];
            y[i] = float.IsNaN(v) ? v : v > 0f ? v : 0f;
        }
    }

    /// <summary><c>y = x &lt; 0 ? α·x : x</c> lane by lane (NaN and −0 pass through), which is <see cref="LeakyReluReference"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LeakyRelu(float* x, float* y, long n, float alpha)
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.Load(x + i);
                Vector512.ConditionalSelect(Vector512.LessThan(v, Vector512<float>.Zero), a * v, v).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var a = Vector256.Create(alpha);
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Load(x + i);
                Vector256.ConditionalSelect(Vector256.LessThan(v, Vector256<float>.Zero), a * v, v).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            float v = x[i];
            y[i] = v < 0f ? alpha * v : v;
        }
    }

    /// <summary>
    /// The binary ops with a lane-wise vector form: 0 add, 1 subtract, 2 multiply, 3 divide (IEEE division is correctly
    /// rounded in a lane as in a scalar: MobileNetV3's hard-swish divides by 6 after every block).
    /// </summary>
    public static int Code<TOp>() =>
        typeof(TOp) == typeof(AddOp<float>) ? 0 : typeof(TOp) == typeof(SubOp<float>) ? 1 : typeof(TOp) == typeof(MulOp<float>) ? 2
        : typeof(TOp) == typeof(DivOp<float>) ? 3 : -1;

    /// <summary>
    /// <c>y[i] = a[i·sa] op b[i·sb]</c>, a stride being 1 (dense) or 0 (one repeated element); with
    /// <paramref name="relu"/>, <c>max(·, +0)</c> of it in registers (a fused Relu, bitwise <see cref="Relu"/> of the result).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary(int op, float* a, int sa, float* b, int sb, float* y, int n, bool relu = false)
    {
        if (n <= 0)
        {
            return;
        }

        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var ra = Vector512.Create(*a);
            var rb = Vector512.Create(*b);
            for (; i + 16 <= n; i += 16)
            {
                var va = sa == 0 ? ra : Vector512.Load(a + i);
                var vb = sb == 0 ? rb : Vector512.Load(b + i);
                var r = op == 0 ? va + vb : op == 1 ? va - vb : op == 2 ? va * vb : va / vb;
                (relu ? Vector512.Max(r, Vector512<float>.Zero) : r).Store(y + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var ra = Vector256.Create(*a);
            var rb = Vector256.Create(*b);
            for (; i + 8 <= n; i += 8)
            {
                var va = sa == 0 ? ra : Vector256.Load(a + i);
                var vb = sb == 0 ? rb : Vector256.Load(b + i);
                var r = op == 0 ? va + vb : op == 1 ? va - vb : op == 2 ? va * vb : va / vb;
                (relu ? Vector256.Max(r, Vector256<float>.Zero) : r).Store(y + i);
            }
        }

        for (; i < n; i++)
        {
            float va = a[i * sa], vb = b[i * sb];
            float r = op == 0 ? va + vb : op == 1 ? va - vb : op == 2 ? va * vb : va / vb;
            y[i] = !relu || float.IsNaN(r) ? r : r > 0f ? r : 0f;
        }
    }
}
