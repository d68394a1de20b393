using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 2-D convolution (float32, constant weights, one group) on small output planes as the transposed GEMM
/// <c>Yᵀ = im2col(X)ᵀ · Wᵀ</c>: the spatial positions (N = OH·OW, 49 to a few hundred) are the GEMM's rows and
/// the output channels its columns, so the micro-kernel's wide side runs over C_out (a multiple of 32 in CNNs)
/// instead of a ragged N (7×7 = 49 padded to 64 by a 32-column tile, 14×14 = 196 to 224), and the weights are
/// packed once at plan time as the B operand, read in place. Per call and image: X is copied into a zero-padded
/// buffer, im2col(X)ᵀ is packed straight into the A panels through a per-row offset table (no bounds checks),
/// the GEMM writes Yᵀ (N × C_out), and a blocked transpose adds the bias and writes NCHW.
/// <c>Y[n, co, i] = B[co] + Σ_k W[co, k] · im2col(X[n])[k, i]</c>, k = (ci·KH + ky)·KW + kx, summed from zero in
/// ascending k, the bias added last. Oracle: <see cref="ConvReference"/>.
/// </summary>
internal sealed unsafe class ConvSmallPlane : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    /// <summary>Output channels per transpose work item.</summary>
    private const int ChannelBlock = 32;

    private readonly ConvParams _p;
    private readonly ISgemm<PrepackedPanelSource> _gemm;
    private readonly SgemmPackedA _weights;          // Wᵀ (K × C_out) in the B panel layout
    private readonly SgemmPackedA _a;                // im2col(X)ᵀ, packed per call
    private readonly ScratchFloats _padded;          // (C_in, Hp, Wp) zero-padded copy of one image
    private readonly ScratchFloats _c;               // Yᵀ: N × C_out
    private readonly int[] _rowOffset;               // per GEMM row (spatial position, padded to the panels): window origin in a padded plane
    private readonly int[] _kOffset;                 // per k: ci·Hp·Wp + ky·dh·Wp + kx·dw
    private readonly int _hp, _wp, _n, _k, _blocks;
    private readonly int _threads;
    private readonly WorkQueue _packQueue, _outQueue;
    private float* _x, _y, _b;
    private readonly PerCallWeightPack? _perCall;   // low memory: Wᵀ packed into scratch each call from _w
    private readonly Tensor? _weightTensor;         // low memory: the weight tensor _w points into (kept alive; pinned)
    private readonly float* _w;

    /// <summary>
    /// Wᵀ packed at plan time: weights (packed each call in low memory: the per-call packer's scratch). The packed
    /// im2col(X)ᵀ, padded image, Yᵀ and the SGEMM's buffers: scratch. The row and k offsets: tables.
    /// </summary>
    public void ReportMemory(OwnedMemory memory)
    {
        if (_perCall is null)
        {
            memory.Weights(_weights);
        }

        memory.Part(_perCall);
        memory.Part(_gemm);
        memory.Scratch(_a);
        memory.Scratch(_padded);
        memory.Scratch(_c);
        memory.Table(_rowOffset);
        memory.Table(_kOffset);
    }

    /// <param name="sgemm">An SGEMM kernel name from <see cref="SgemmFactory.KernelsFor"/>.</param>
    /// <param name="perCallWeights">Low memory: the tensor <paramref name="w"/> points into; Wᵀ is packed from it into the shared scratch each call instead of once.</param>
    public ConvSmallPlane(ConvParams p, float* w, int threads, string sgemm, Tensor? perCallWeights = null)
    {
        var g = p.Window;
        _p = p;
        _threads = Math.Max(1, threads);
        _hp = g.Input[1] + g.PadsBegin[1] + g.PadsEnd[1];
        _wp = g.Input[2] + g.PadsBegin[2] + g.PadsEnd[2];
        _n = g.OutputSize;
        _k = p.InChannels * g.KernelSize;
        int cout = p.OutChannels;
        _gemm = SgemmFactory.Create<PrepackedPanelSource>(sgemm, _n, cout, _k, _threads);
        if (perCallWeights is not null)
        {
            _weightTensor = perCallWeights;
            _w = w;
            _weights = _gemm.AllocateB(_k, cout);
            _perCall = new PerCallWeightPack(_weights, _threads);
        }
        else
        {
            _weights = _gemm.PackB(_k, cout, w, 1, _k);   // B[q, co] = W[co, q]
        }

        _a = _gemm.AllocateA(_n, _k);
        _padded = ScratchFloats.Reserve((long)p.InChannels * _hp * _wp);
        _c = ScratchFloats.Reserve((long)_n * cout);
        _rowOffset = new int[_a.Panels * _a.MR];
        for (int i = 0; i < _rowOffset.Length; i++)
        {
            int pos = Math.Min(i, _n - 1);                 // rows past N (the last panel's padding) repeat the last position
            int oy = pos / g.Output[2], ox = pos % g.Output[2];
            _rowOffset[i] = (oy * g.Strides[1] * _wp) + (ox * g.Strides[2]);
        }

        _kOffset = new int[_k];
        int kh = g.Kernel[1], kw = g.Kernel[2];
        for (int q = 0; q < _k; q++)
        {
            int ci = q / (kh * kw), ky = q / kw % kh, kx = q % kw;
            _kOffset[q] = (ci * _hp * _wp) + (ky * g.Dilations[1] * _wp) + (kx * g.Dilations[2]);
        }

        _blocks = (_k + _a.KC - 1) / _a.KC;
        _packQueue = new WorkQueue(PackBlock);
        _outQueue = new WorkQueue(Transpose);
        _name = $"ConvSmallPlaneSgemm({sgemm})";
    }

    private readonly string _name;
    private FusedActivation _activation;

    public string KernelName => _name + _activation.Suffix;

    /// <summary>Whether the weights are packed per call from the original tensor (low memory), not kept packed.</summary>
    public bool PacksWeightsPerCall => _perCall is not null;

    /// <summary>Only when it packs them per call (low memory).</summary>
    public bool ReadsWeightInput => PacksWeightsPerCall;

    /// <summary>The activation is applied by the transpose that writes NCHW, vectorized, to each run of 32 positions it writes (a per-element Relu branch mispredicts on half the values).</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    /// <summary>
    /// Small output planes (N ≤ 256: 7×7, 13×13, 14×14, 16×16) of one group with C_out a multiple of 32 and at least
    /// 64: there the 32-wide C_out side pads nothing while a 32- or 48-wide N side pads 12–30 %. Windows wider than
    /// 1×1 only: a strided 1×1 (ResNet's downsample) packs as much as it computes and was slower this way.
    /// </summary>
    public static bool Worthwhile(ConvParams p) =>
        p.Group == 1 && ConvSgemm.Supports(p) && p.Window.KernelSize > 1 && p.Window.OutputSize <= 256 && p.Window.OutputSize >= 16
        && p.OutChannels >= 64 && p.OutChannels % 32 == 0 && (long)p.InChannels * p.Window.KernelSize >= 64;

    public void Run(KernelArgs args)
    {
        var g = _p.Window;
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        for (int n = 0; n < _p.Batch; n++)
        {
            _x = (float*)args.Inputs[0].Pointer + ((long)n * _p.InChannels * g.InputSize);
            _y = (float*)args.Outputs[0].Pointer + ((long)n * _p.OutChannels * _n);
            if (n == 0)
            {
                _perCall?.Fill(_w, _k, 1);                  // as PackB(_k, cout, w, 1, _k)
            }

            Pad();
            _packQueue.Run(_blocks, _threads);
            _gemm.Run(_a, new PrepackedPanelSource(_weights), null, _c.Pointer, _p.OutChannels);
            _outQueue.Run((_p.OutChannels + ChannelBlock - 1) / ChannelBlock, _threads);
        }
    }

    /// <summary>Copies the image into the zero-padded buffer (the borders are written every call: the buffer is the plan's shared scratch, which other steps overwrite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Pad()
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], pt = g.PadsBegin[1], pl = g.PadsBegin[2];
        for (int ci = 0; ci < _p.InChannels; ci++)
        {
            float* src = _x + ((long)ci * h * w);
            float* dst = _padded.Pointer + ((long)ci * _hp * _wp);
            Floats.Clear(dst, pt * _wp);
            for (int y = 0; y < h; y++)
            {
                float* d = dst + ((long)(y + pt) * _wp);
                Floats.Clear(d, pl);
                Floats.Copy(src + ((long)y * w), d + pl, w);
                Floats.Clear(d + pl + w, _wp - pl - w);
            }

            Floats.Clear(dst + ((long)(h + pt) * _wp), (_hp - h - pt) * _wp);
        }
    }

    /// <summary>K block <paramref name="block"/> of im2col(X)ᵀ: <c>panel[q·MR + r] = Xp[rowOffset[ir·MR + r] + kOffset[k0 + q]]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackBlock(int block, int worker)
    {
        int mr = _a.MR, k0 = block * _a.KC, kc = Math.Min(_a.KC, _k - k0);
        float* xp = _padded.Pointer;
        fixed (int* rows = _rowOffset, ks = _kOffset)
        {
            for (int ir = 0; ir < _a.Panels; ir++)
            {
                float* dst = _a.Panel(k0, kc, ir);
                int* ro = rows + (ir * mr);
                for (int q = 0; q < kc; q++, dst += mr)
                {
                    float* src = xp + ks[k0 + q];
                    for (int r = 0; r < mr; r++)
                    {
                        dst[r] = src[ro[r]];
                    }
                }
            }
        }
    }

    /// <summary>Output channels <c>[32·item, …)</c>: <c>Y[co, i] = Yᵀ[i, co] + B[co]</c>, 32 × 32 blocks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Transpose(int item, int worker)
    {
        int cout = _p.OutChannels, co0 = item * ChannelBlock, co1 = Math.Min(cout, co0 + ChannelBlock);
        float* c = _c.Pointer;
        for (int i0 = 0; i0 < _n; i0 += 32)
        {
            int i1 = Math.Min(_n, i0 + 32);
            for (int co = co0; co < co1; co++)
            {
                float bias = _b == null ? 0f : _b[co];
                float* dst = _y + ((long)co * _n);
                for (int i = i0; i < i1; i++)
                {
                    dst[i] = c[((long)i * cout) + co] + bias;
                }

                _activation.Apply(dst + i0, i1 - i0);
            }
        }
    }
}
