using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Splits a row by column phase for strided windows: <c>dst[r·q + j] = src[s·j + r]</c> for <c>s·j + r &lt; w</c>
/// (q ≥ ceil(w / s) is the phase length), so that a stride-s tap becomes a contiguous load. Stride 2 on AVX-512
/// takes 32 floats per step with two-source permutes; everything else copies element by element.
/// </summary>
internal static unsafe class PhaseSplit
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Row(float* src, int w, int s, int q, float* dst)
    {
        int j0 = 0;
        if (s == 2 && Avx512F.IsSupported)
        {
            // Constant vectors as locals: static readonly fields cost a class-init check per iteration in this
            // AggressiveOptimization method (not re-jitted at tier 1), and the JIT spilled the loaded rows around it.
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            for (; (2 * j0) + 32 <= w; j0 += 16)
            {
                var v0 = Vector512.Load(src + (2 * j0));
                var v1 = Vector512.Load(src + (2 * j0) + 16);
                Avx512F.PermuteVar16x32x2(v0, even, v1).Store(dst + j0);
                Avx512F.PermuteVar16x32x2(v0, odd, v1).Store(dst + q + j0);
            }
        }

        for (int r = 0; r < s; r++)
        {
            float* d = dst + (r * q);
            for (int j = j0, ix = (s * j0) + r; ix < w; j++, ix += s)
            {
                d[j] = src[ix];
            }
        }
    }
}
