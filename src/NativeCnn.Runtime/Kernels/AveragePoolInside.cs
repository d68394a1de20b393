using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D float average pooling when every window lies inside the input (no padding reached, e.g. SqueezeNet's final
/// 13×13 pool, 2×2/2 pools on even planes): <c>Y = (Σ taps in (ky, kx) order) / (KH·KW)</c>, the count being the
/// kernel size whatever count_include_pad says. Same additions in the same order as
/// <see cref="AveragePoolReference"/>, so bitwise its result, without its per-tap padding bookkeeping; stride-1
/// rows run eight outputs per vector. One output plane per work item.
/// </summary>
internal sealed unsafe class AveragePoolInside : IKernel, IDescribedKernel
{
    private readonly PoolParams _p;
    private readonly int _threads;
    private readonly WorkQueue _queue, _groupQueue;
    private readonly bool _wholePlane;              // one output per plane whose window is the whole plane
    private float* _x, _y;

    public AveragePoolInside(PoolParams p, int threads)
    {
        _p = p;
        _threads = Math.Max(1, threads);
        _queue = new WorkQueue(Plane);
        _groupQueue = new WorkQueue(PlaneGroup);
        var g = p.Window;
        _wholePlane = AveragePlanes.Supported && g.OutputSize == 1 && g.Kernel[1] == g.Input[1] && g.Kernel[2] == g.Input[2];
    }

    public string KernelName => "AveragePoolInsideRows";

    public static bool Supports(PoolParams p)
    {
        var g = p.Window;
        if (g.Input[0] != 1 || g.Kernel[0] != 1 || g.Output[0] != 1)
        {
            return false;
        }

        for (int a = 1; a < 3; a++)
        {
            if (g.PadsBegin[a] != 0 || ((g.Output[a] - 1) * g.Strides[a]) + ((g.Kernel[a] - 1) * g.Dilations[a]) >= g.Input[a])
            {
                return false;
            }
        }

        return true;
    }

    public void Run(KernelArgs args)
    {
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        if (_wholePlane)
        {
            _groupQueue.Run((_p.Batch * _p.Channels + 7) / 8, _threads);
            return;
        }

        _queue.Run(_p.Batch * _p.Channels, _threads);
    }

    /// <summary>
    /// Planes <c>[8·item, …)</c> of a whole-plane window (SqueezeNet's 13×13 → 1×1): the (ky, kx) order is the plane's
    /// row-major order, so eight planes at a time go through <see cref="AveragePlanes.EightWhole"/>; a short last
    /// group takes <see cref="Plane"/>.
    /// </summary>
    private void PlaneGroup(int item, int worker)
    {
        int planes = _p.Batch * _p.Channels, p0 = item * 8, size = _p.Window.InputSize;
        if (p0 + 8 <= planes)
        {
            AveragePlanes.EightWhole(_x + ((long)p0 * size), size, _p.Window.KernelSize, _y + p0);
            return;
        }

        for (int plane = p0; plane < planes; plane++)
        {
            Plane(plane, worker);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Plane(int plane, int worker)
    {
        var g = _p.Window;
        int w = g.Input[2], oh = g.Output[1], ow = g.Output[2];
        int kh = g.Kernel[1], kw = g.Kernel[2], sh = g.Strides[1], sw = g.Strides[2], dh = g.Dilations[1], dw = g.Dilations[2];
        float count = kh * kw;
        float* x = _x + ((long)plane * g.InputSize);
        float* y = _y + ((long)plane * g.OutputSize);
        bool vector = Vector256.IsHardwareAccelerated && sw == 1 && ow >= 8;
        var vcount = Vector256.Create(count);
        for (int oy = 0; oy < oh; oy++)
        {
            float* rows = x + ((long)oy * sh * w);
            float* yRow = y + ((long)oy * ow);
            int ox = 0;
            if (vector)
            {
                for (; ox < ow; ox += 8)
                {
                    int at = Math.Min(ox, ow - 8);     // the last vector overlaps: same bits recomputed
                    var sum = Vector256<float>.Zero;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        float* r = rows + ((long)ky * dh * w) + at;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            sum += Vector256.Load(r + (kx * dw));
                        }
                    }

                    (sum / vcount).Store(yRow + at);
                }

                continue;
            }

            for (; ox < ow; ox++)
            {
                float sum = 0f;
                for (int ky = 0; ky < kh; ky++)
                {
                    float* r = rows + ((long)ky * dh * w) + (ox * sw);
                    for (int kx = 0; kx < kw; kx++)
                    {
                        sum += r[kx * dw];
                    }
                }

                yRow[ox] = sum / count;
            }
        }
    }
}
