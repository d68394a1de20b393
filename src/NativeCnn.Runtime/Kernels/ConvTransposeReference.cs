using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Parameters of a ConvTranspose node. X: (N, C_in, D, H, W), W: (C_in, C_out/group, KD, KH, KW), B: (C_out) or
/// absent, Y: (N, C_out, OD, OH, OW); <see cref="WindowGeometry.Input"/> is X's spatial shape and
/// <see cref="WindowGeometry.Output"/> Y's (pads already resolved from output_shape / auto_pad / output_padding).
/// </summary>
public sealed record ConvTransposeParams(int Batch, int InChannels, int OutChannels, int Group, WindowGeometry Window)
{
    public int InPerGroup => InChannels / Group;

    public int OutPerGroup => OutChannels / Group;
}

/// <summary>
/// Reference transposed convolution (the adjoint of <see cref="ConvReference"/>):
/// <c>Y[n,co,o] = B[co] + Σ_{ci ∈ group(co)} Σ_k Σ_{i : i·s − p + k·d = o} W[ci, co − g·C_out/group, k] · X[n,ci,i]</c>.
/// One output plane <c>(n, co)</c> per work item; within it contributions are added in the order ci, kd, kh, kw,
/// then input position, starting from the bias, the same for every element.
/// </summary>
public static unsafe class ConvTransposeReference
{
    public static void Run<T>(ConvTransposeParams p, T* x, T* w, T* b, T* y, int threads) where T : unmanaged, INumber<T>
    {
        if (threads <= 1)
        {
            for (int plane = 0; plane < p.Batch * p.OutChannels; plane++)
            {
                Plane(p, x, w, b, y, plane);
            }

            return;
        }

        RunParallel(p, x, w, b, y, threads);
    }

    private static void RunParallel<T>(ConvTransposeParams p, T* x, T* w, T* b, T* y, int threads) where T : unmanaged, INumber<T>
    {
        nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
        OutputPartition.For(p.Batch * p.OutChannels, threads, plane => Plane(p, (T*)xp, (T*)wp, (T*)bp, (T*)yp, plane));
    }

    private static void Plane<T>(ConvTransposeParams p, T* x, T* w, T* b, T* y, int plane) where T : unmanaged, INumber<T>
    {
        var g = p.Window;
        int n = plane / p.OutChannels, co = plane % p.OutChannels;
        int group = co / p.OutPerGroup, coLocal = co % p.OutPerGroup;
        int kd = g.Kernel[0], kh = g.Kernel[1], kw = g.Kernel[2];
        int ih = g.Input[1], iw = g.Input[2];
        int oh = g.Output[1], ow = g.Output[2];

        T* yPlane = y + ((long)plane * g.OutputSize);               // (OD, OH, OW)
        new Span<T>(yPlane, g.OutputSize).Fill(b == null ? T.Zero : b[co]);

        for (int cig = 0; cig < p.InPerGroup; cig++)
        {
            int ci = (group * p.InPerGroup) + cig;
            T* xPlane = x + ((((long)n * p.InChannels) + ci) * g.InputSize);          // (D, H, W)
            T* wTaps = w + ((((long)ci * p.OutPerGroup) + coLocal) * g.KernelSize);   // (KD, KH, KW)
            for (int a = 0; a < kd; a++)
            {
                var (id0, id1) = WindowGeometry.ValidRange(g.Input[0], g.Output[0], g.Strides[0], g.PadsBegin[0], a, g.Dilations[0]);
                for (int c = 0; c < kh; c++)
                {
                    var (iy0, iy1) = WindowGeometry.ValidRange(ih, oh, g.Strides[1], g.PadsBegin[1], c, g.Dilations[1]);
                    for (int e = 0; e < kw; e++)
                    {
                        var (ix0, ix1) = WindowGeometry.ValidRange(iw, ow, g.Strides[2], g.PadsBegin[2], e, g.Dilations[2]);
                        T wv = wTaps[(((a * kh) + c) * kw) + e];
                        for (int id = id0; id < id1; id++)
                        {
                            int od = (id * g.Strides[0]) - g.PadsBegin[0] + (a * g.Dilations[0]);
                            for (int iy = iy0; iy < iy1; iy++)
                            {
                                int oy = (iy * g.Strides[1]) - g.PadsBegin[1] + (c * g.Dilations[1]);
                                T* xRow = xPlane + ((((long)id * ih) + iy) * iw);
                                T* yRow = yPlane + ((((long)od * oh) + oy) * ow);
                                int sw = g.Strides[2];
                                int ox = (ix0 * sw) - g.PadsBegin[2] + (e * g.Dilations[2]);
                                for (int ix = ix0; ix < ix1; ix++, ox += sw)
                                {
                                    yRow[ox] += wv * xRow[ix];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
