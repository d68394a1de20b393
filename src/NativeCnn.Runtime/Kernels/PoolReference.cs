using System.Numerics;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Parameters of a MaxPool / AveragePool node: X (N, C, D, H, W) → Y (N, C, OD, OH, OW), widened as in <see cref="WindowGeometry"/>.</summary>
public sealed record PoolParams(int Batch, int Channels, WindowGeometry Window);

/// <summary>
/// Reference max pooling: <c>Y[n,c,o] = max_{k, i = o·s − p + k·d inside X} X[n,c,i]</c>; padding never wins.
/// The window is scanned in row-major tap order (kd, kh, kw) and a later element replaces the running maximum
/// only when strictly greater, so ties go to the first maximum and a NaN in the first valid tap is kept (as in
/// the ONNX reference). A window with no valid tap gives 0 and index −1.
/// <para><c>argmax[n,c,o]</c> (int32) = row-major index of the chosen element within its (n, c) input plane,
/// <c>(id·H + ih)·W + iw</c> (the plane must hold at most <see cref="int.MaxValue"/> elements).
/// <c>indices</c> (optional ONNX output, int64) = the flat row-major index in the whole input,
/// <c>(n·C + c)·D·H·W + argmax</c> (storage_order = 0), or with the spatial part column-major when
/// <paramref name="columnMajor"/> (storage_order = 1): <c>(n·C + c)·D·H·W + id + D·(ih + H·iw)</c>.</para>
/// </summary>
public static unsafe class MaxPoolReference
{
    public static void Run<T>(PoolParams p, T* x, T* y, int* argmax, long* indices, bool columnMajor, int threads)
        where T : unmanaged, INumber<T>
    {
        if (threads <= 1)
        {
            for (int plane = 0; plane < p.Batch * p.Channels; plane++)
            {
                Plane(p, x, y, argmax, indices, columnMajor, plane);
            }

            return;
        }

        RunParallel(p, x, y, argmax, indices, columnMajor, threads);
    }

    private static void RunParallel<T>(PoolParams p, T* x, T* y, int* argmax, long* indices, bool columnMajor, int threads)
        where T : unmanaged, INumber<T>
    {
        nint xp = (nint)x, yp = (nint)y, ap = (nint)argmax, ip = (nint)indices;
        OutputPartition.For(p.Batch * p.Channels, threads, plane => Plane(p, (T*)xp, (T*)yp, (int*)ap, (long*)ip, columnMajor, plane));
    }

    private static void Plane<T>(PoolParams p, T* x, T* y, int* argmax, long* indices, bool columnMajor, int plane)
        where T : unmanaged, INumber<T>
    {
        var g = p.Window;
        int d = g.Input[0], h = g.Input[1], w = g.Input[2];
        T* xPlane = x + ((long)plane * g.InputSize);
        long planeBase = (long)plane * g.InputSize;
        long o = (long)plane * g.OutputSize;
        for (int od = 0; od < g.Output[0]; od++)
        {
            for (int oy = 0; oy < g.Output[1]; oy++)
            {
                for (int ox = 0; ox < g.Output[2]; ox++, o++)
                {
                    T best = T.Zero;
                    int bd = -1, by = -1, bx = -1;
                    for (int a = 0; a < g.Kernel[0]; a++)
                    {
                        int id = (od * g.Strides[0]) - g.PadsBegin[0] + (a * g.Dilations[0]);
                        if ((uint)id >= (uint)d)
                        {
                            continue;
                        }

                        for (int c = 0; c < g.Kernel[1]; c++)
                        {
                            int iy = (oy * g.Strides[1]) - g.PadsBegin[1] + (c * g.Dilations[1]);
                            if ((uint)iy >= (uint)h)
                            {
                                continue;
                            }

                            for (int e = 0; e < g.Kernel[2]; e++)
                            {
                                int ix = (ox * g.Strides[2]) - g.PadsBegin[2] + (e * g.Dilations[2]);
                                if ((uint)ix >= (uint)w)
                                {
                                    continue;
                                }

                                T v = xPlane[(((long)id * h) + iy) * w + ix];
                                if (bd < 0 || v > best)
                                {
                                    best = v;
                                    bd = id;
                                    by = iy;
                                    bx = ix;
                                }
                            }
                        }
                    }

                    y[o] = best;
                    long inPlane = bd < 0 ? -1 : ((((long)bd * h) + by) * w) + bx;
                    if (argmax != null)
                    {
                        argmax[o] = (int)inPlane;
                    }

                    if (indices != null)
                    {
                        indices[o] = bd < 0 ? -1 : planeBase + (columnMajor ? bd + ((long)d * (by + ((long)h * bx))) : inPlane);
                    }
                }
            }
        }
    }
}

/// <summary>
/// Reference average pooling: <c>Y[n,c,o] = (Σ_{valid taps} X[n,c,i]) / count</c>, summed in tap order (kd, kh, kw).
/// count = the taps inside the input (count_include_pad = 0), or the taps inside the padded input
/// <c>[−pad_begin, in + pad_end)</c> (count_include_pad = 1; taps that ceil_mode lets hang past the end padding are
/// never counted). A window with count 0 gives 0.
/// </summary>
public static unsafe class AveragePoolReference
{
    public static void Run<T>(PoolParams p, T* x, T* y, bool countIncludePad, int threads) where T : unmanaged, INumber<T>
    {
        if (threads <= 1)
        {
            for (int plane = 0; plane < p.Batch * p.Channels; plane++)
            {
                Plane(p, x, y, countIncludePad, plane);
            }

            return;
        }

        RunParallel(p, x, y, countIncludePad, threads);
    }

    private static void RunParallel<T>(PoolParams p, T* x, T* y, bool countIncludePad, int threads) where T : unmanaged, INumber<T>
    {
        nint xp = (nint)x, yp = (nint)y;
        OutputPartition.For(p.Batch * p.Channels, threads, plane => Plane(p, (T*)xp, (T*)yp, countIncludePad, plane));
    }

    private static void Plane<T>(PoolParams p, T* x, T* y, bool countIncludePad, int plane) where T : unmanaged, INumber<T>
    {
        var g = p.Window;
        int d = g.Input[0], h = g.Input[1], w = g.Input[2];
        T* xPlane = x + ((long)plane * g.InputSize);
        long o = (long)plane * g.OutputSize;
        for (int od = 0; od < g.Output[0]; od++)
        {
            for (int oy = 0; oy < g.Output[1]; oy++)
            {
                for (int ox = 0; ox < g.Output[2]; ox++, o++)
                {
                    T sum = T.Zero;
                    int inside = 0, padded = 0;
                    for (int a = 0; a < g.Kernel[0]; a++)
                    {
                        int id = (od * g.Strides[0]) - g.PadsBegin[0] + (a * g.Dilations[0]);
                        bool dIn = (uint)id < (uint)d;
                        bool dPad = id >= -g.PadsBegin[0] && id < d + g.PadsEnd[0];
                        for (int c = 0; c < g.Kernel[1]; c++)
                        {
                            int iy = (oy * g.Strides[1]) - g.PadsBegin[1] + (c * g.Dilations[1]);
                            bool yIn = (uint)iy < (uint)h;
                            bool yPad = iy >= -g.PadsBegin[1] && iy < h + g.PadsEnd[1];
                            for (int e = 0; e < g.Kernel[2]; e++)
                            {
                                int ix = (ox * g.Strides[2]) - g.PadsBegin[2] + (e * g.Dilations[2]);
                                bool xIn = (uint)ix < (uint)w;
                                bool xPad = ix >= -g.PadsBegin[2] && ix < w + g.PadsEnd[2];
                                if (dPad && yPad && xPad)
                                {
                                    padded++;
                                }

                                if (dIn && yIn && xIn)
                                {
                                    inside++;
                                    sum += xPlane[(((long)id * h) + iy) * w + ix];
                                }
                            }
                        }
                    }

                    int count = countIncludePad ? padded : inside;
                    y[o] = count == 0 ? T.Zero : sum / T.CreateChecked(count);
                }
            }
        }
    }
}

/// <summary>
/// Reference global pooling over all spatial axes of X (N, C, S) with S = D1·D2·…: average
/// <c>Y[n,c] = (Σ_s X[n,c,s]) / S</c> (summed in order) or maximum (first valid element, then strictly greater,
/// so a leading NaN is kept).
/// </summary>
public static unsafe class GlobalPoolReference
{
    public static void Average<T>(int planes, int size, T* x, T* y) where T : unmanaged, INumber<T>
    {
        T n = T.CreateChecked(size);
        for (int pl = 0; pl < planes; pl++)
        {
            T* xp = x + ((long)pl * size);
            T sum = T.Zero;
            for (int s = 0; s < size; s++)
            {
                sum += xp[s];
            }

            y[pl] = sum / n;
        }
    }

    public static void Max<T>(int planes, int size, T* x, T* y) where T : unmanaged, INumber<T>
    {
        for (int pl = 0; pl < planes; pl++)
        {
            T* xp = x + ((long)pl * size);
            T best = xp[0];
            for (int s = 1; s < size; s++)
            {
                if (xp[s] > best)
                {
                    best = xp[s];
                }
            }

            y[pl] = best;
        }
    }
}
