using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Parameters of a Conv node, validated at plan time. X: (N, C_in, D, H, W), W: (C_out, C_in/group, KD, KH, KW),
/// B: (C_out) or absent, Y: (N, C_out, OD, OH, OW), with 1-D and 2-D convs widened as described in
/// <see cref="WindowGeometry"/>.
/// </summary>
public sealed record ConvParams(int Batch, int InChannels, int OutChannels, int Group, WindowGeometry Window)
{
    public int InPerGroup => InChannels / Group;

    public int OutPerGroup => OutChannels / Group;
}

/// <summary>
/// Reference convolution (direct, NCHW):
/// <c>Y[n,co,o] = B[co] + Σ_{ci ∈ group(co)} Σ_k W[co, ci − g·C_in/group, k] · X[n, ci, o·s − p + k·d]</c>
/// with zero padding (taps outside the input are skipped). One output plane <c>(n, co)</c> per work item; within
/// it, the sum runs over ci, then kd, kh, kw, starting from the bias, for every element in the same order.
/// </summary>
public static unsafe class ConvReference
{
    public static void Run<T>(ConvParams p, T* x, T* w, T* b, T* y, int threads) where T : unmanaged, INumber<T>
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

    private static void RunParallel<T>(ConvParams p, T* x, T* w, T* b, T* y, int threads) where T : unmanaged, INumber<T>
    {
        nint xp = (nint)x, wp = (nint)w, bp = (nint)b, yp = (nint)y;
        OutputPartition.For(p.Batch * p.OutChannels, threads, plane => Plane(p, (T*)xp, (T*)wp, (T*)bp, (T*)yp, plane));
    }

    /// <summary>Computes output plane <c>plane = n·C_out + co</c>.</summary>
    public static void Plane<T>(ConvParams p, T* x, T* w, T* b, T* y, int plane) where T : unmanaged, INumber<T>
    {
        var g = p.Window;
        int n = plane / p.OutChannels, co = plane % p.OutChannels;
        int group = co / p.OutPerGroup;
        int kd = g.Kernel[0], kh = g.Kernel[1], kw = g.Kernel[2];
        int ih = g.Input[1], iw = g.Input[2];
        int oh = g.Output[1], ow = g.Output[2];

        T* yPlane = y + ((long)plane * g.OutputSize);                 // (OD, OH, OW)
        new Span<T>(yPlane, g.OutputSize).Fill(b == null ? T.Zero : b[co]);

        for (int cig = 0; cig < p.InPerGroup; cig++)
        {
            int ci = (group * p.InPerGroup) + cig;
            T* xPlane = x + ((((long)n * p.InChannels) + ci) * g.InputSize);   // (D, H, W)
            T* wTaps = w + ((((long)co * p.InPerGroup) + cig) * g.KernelSize);  // (KD, KH, KW)
            for (int a = 0; a < kd; a++)
            {
                var (od0, od1) = g.OutputRange(0, a);
                for (int c = 0; c < kh; c++)
                {
                    var (oh0, oh1) = g.OutputRange(1, c);
                    for (int e = 0; e < kw; e++)
                    {
                        var (ow0, ow1) = g.OutputRange(2, e);
                        T wv = wTaps[(((a * kh) + c) * kw) + e];
                        for (int od = od0; od < od1; od++)
                        {
                            int id = (od * g.Strides[0]) - g.PadsBegin[0] + (a * g.Dilations[0]);
                            for (int oy = oh0; oy < oh1; oy++)
                            {
                                int iy = (oy * g.Strides[1]) - g.PadsBegin[1] + (c * g.Dilations[1]);
                                T* xRow = xPlane + ((((long)id * ih) + iy) * iw);
                                T* yRow = yPlane + ((((long)od * oh) + oy) * ow);
                                int sw = g.Strides[2];
                                int ix = (ow0 * sw) - g.PadsBegin[2] + (e * g.Dilations[2]);
                                for (int ox = ow0; ox < ow1; ox++, ix += sw)
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
