using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>Column stride of a <see cref="ConvRowTile"/> micro-kernel, a JIT-time constant.</summary>
internal interface IColumnStride
{
    static abstract int S { get; }
}

internal struct ColumnStride1 : IColumnStride
{
    public static int S => 1;
}

internal struct ColumnStride2 : IColumnStride
{
    public static int S => 2;
}

/// <summary>
/// 2-D convolution (float32, constant weights, one group, AVX-512) as the transposed GEMM
/// <c>Yᵀ = im2col(X)ᵀ · Wᵀ</c> with no im2col: a 7 × 64 register tile holds 7 consecutive output positions of one
/// output row × 64 output channels (28 Vector512 accumulators); per k = (ci·KH + ky)·KW + kx it broadcasts the 7
/// input pixels straight from the (zero-padded, or in-place) input plane, <c>Xp[base + kOffset[k] + r·sw]</c>, and
/// multiplies them by one row of Wᵀ (64 channels, packed at plan time). So nothing is packed per call (the old
/// <see cref="ConvSmallPlane"/> gathered K × N im2col values per call), no position is padding on planes of width
/// 7, 14, 28, 56 (a row of width OW is ceil(OW/7) tiles; the last one computes and drops the positions past OW),
/// and the 64-wide side runs over C_out (a multiple of 64 here); a row's last tile with at most 6 positions (13, 27
/// wide) runs a 6-position variant, so on those planes no position is padding either.
/// <c>Y[n, co, i] = B[co] + Σ_k W[co, k] · im2col(X[n])[k, i]</c>, summed from zero in ascending k (K blocks of
/// <see cref="KcBlock"/>), the bias added last — the same order as <see cref="ConvSmallPlane"/>, so the results are
/// bitwise equal to it. Work items: (64-channel panel, run of tiles), fixed by the shape. Oracle: <see cref="ConvReference"/>.
/// </summary>
internal sealed unsafe class ConvRowTile : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    public const int MR = 7;
    public const int NR = 64;

    /// <summary>K block: a KC × 64 block of Wᵀ (32 KiB) stays in L1 while the item's tiles stream past it.</summary>
    public const int KcBlock = 128;

    /// <summary>
    /// Tiles per work item at most: the item's Yᵀ block (tiles·7·64 floats) stays in L2. Each worker reuses one
    /// such block for all its items (it was a region per item of a whole-plane Yᵀ, written once per call: cold in
    /// the networks; kernel-probe cold caches, 1 thread: 32→256 @28 −4 %, 128→256 @28 s2 −3 %, others −1 to −2 %).
    /// </summary>
    private const int MaxTilesPerItem = 128;

    private const int TargetItems = 8;

    private readonly ConvParams _p;
    private readonly AlignedFloats? _weights;        // Wᵀ per 64-channel panel, [panel][K][64]: one contiguous stream per item
    private readonly ScratchFloats? _weightScratch;  // low memory: the same Wᵀ in the shared scratch, packed each call from _w
    private readonly Tensor? _weightTensor;          // low memory: the weight tensor _w points into (kept alive; pinned)
    private readonly float* _w;
    private readonly WorkQueue? _weightQueue;
    private float* _wt;                              // Wᵀ of this call
    private readonly AlignedFloats? _padded;         // (C_in, Hp, Wp) zero-padded copy of one image (+ slack), or null: X read in place
    private readonly AlignedFloats? _c;              // Yᵀ of the item each worker runs: [worker][tile of the item][7][64]
    private readonly ScratchFloats? _paddedScratch;  // low memory: the padded copy in the shared scratch (borders cleared each call)
    private readonly ScratchFloats? _cScratch;       // low memory: the same blocks in the shared scratch
    private readonly long _paddedLength;
    private readonly int _weightQChunk, _weightQChunks;
    private float* _pb, _cb;                         // this call's padded copy (null: X in place) and Yᵀ
    private readonly int[] _kOffset;                 // per k: ci·Hp·Wp + ky·dh·Wp + kx·dw
    private readonly int _hp, _wp, _k, _tilesPerRow, _tiles, _panels, _tileChunk, _chunks;
    private readonly bool _halfLast;                 // the last panel has 32 channels (C_out = 64·n + 32: DenseNet's growth of 32)
    private readonly int _threads;
    private readonly WorkQueue _queue, _padQueue;
    private readonly string _name;
    private FusedActivation _activation;
    private readonly long _zero = Zero();            // 0, opaque to the JIT: see Micro's second pass
    private float* _x, _y, _b;

    /// <summary>
    /// Wᵀ packed at plan time: weights (packed each call in low memory: scratch). The padded image and the per-worker
    /// Yᵀ blocks: scratch, the kernel's own (in the shared block in low memory). The k offsets: a table.
    /// </summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Weights(_weights);
        memory.Scratch(_weightScratch);
        memory.Scratch(_padded);
        memory.Scratch(_c);
        memory.Scratch(_paddedScratch);
        memory.Scratch(_cScratch);
        memory.Table(_kOffset);
    }

    /// <param name="perCallWeights">Low memory: the tensor <paramref name="w"/> points into; Wᵀ is packed from it into the shared scratch each call instead of once.</param>
    public ConvRowTile(ConvParams p, float* w, int threads, Tensor? perCallWeights = null)
    {
        var g = p.Window;
        _p = p;
        _threads = Math.Max(1, threads);
        bool inPlace = ReadsInPlace(p);
        _hp = g.Input[1] + (inPlace ? 0 : g.PadsBegin[1] + g.PadsEnd[1]);
        _wp = g.Input[2] + (inPlace ? 0 : g.PadsBegin[2] + g.PadsEnd[2]);
        _k = p.InChannels * g.KernelSize;
        _tilesPerRow = (g.Output[2] + MR - 1) / MR;
        _tiles = g.Output[1] * _tilesPerRow;
        _panels = (p.OutChannels + NR - 1) / NR;
        _halfLast = p.OutChannels % NR != 0;
        int chunks = Math.Clamp((TargetItems + _panels - 1) / _panels, 1, _tiles);
        chunks = Math.Max(chunks, (_tiles + MaxTilesPerItem - 1) / MaxTilesPerItem);
        _tileChunk = (_tiles + chunks - 1) / chunks;
        _chunks = (_tiles + _tileChunk - 1) / _tileChunk;
        for (int more = _chunks + 1; _panels * _chunks % 2 != 0 && more <= _tiles; more++)
        {
            // An even item count, so two threads get the same work (13×13 × 192: 9 items ran as 5 + 4).
            int tileChunk = (_tiles + more - 1) / more, count = (_tiles + tileChunk - 1) / tileChunk;
            if (_panels * count % 2 == 0)
            {
                _tileChunk = tileChunk;
                _chunks = count;
            }
        }
        if (perCallWeights is not null)
        {
            _weightTensor = perCallWeights;
            _w = w;
            _weightScratch = ScratchFloats.Reserve((long)_panels * _k * NR);
            _weightQChunk = Math.Min(_k, WeightQChunk);
            _weightQChunks = (_k + _weightQChunk - 1) / _weightQChunk;
            _weightQueue = new WorkQueue(PackWeightItem);
        }
        else
        {
            _weights = new AlignedFloats((long)_panels * _k * NR);
            PackWeights(w, _weights.Pointer, 0, p.OutChannels, _k);
        }
        if (!inPlace)
        {
            // Slack: the dropped positions of a row's last tile read up to 6·sw floats past the plane's end.
            _paddedLength = ((long)p.InChannels * _hp * _wp) + (MR * g.Strides[2]) + 16;
            if (perCallWeights is not null)
            {
                _paddedScratch = ScratchFloats.Reserve(_paddedLength);
            }
            else
            {
                _padded = new AlignedFloats(_paddedLength);
            }
        }

        if (perCallWeights is not null)
        {
            _cScratch = ScratchFloats.Reserve((long)_threads * _tileChunk * MR * NR);
        }
        else
        {
            _c = new AlignedFloats((long)_threads * _tileChunk * MR * NR);
        }
        _kOffset = new int[_k];
        int kh = g.Kernel[1], kw = g.Kernel[2];
        for (int q = 0; q < _k; q++)
        {
            int ci = q / (kh * kw), ky = q / kw % kh, kx = q % kw;
            _kOffset[q] = (ci * _hp * _wp) + (ky * g.Dilations[1] * _wp) + (kx * g.Dilations[2]);
        }

        _queue = new WorkQueue(RunItem);
        _padQueue = new WorkQueue(PadChannels);
        _name = $"ConvRowTile(7x64{(inPlace ? "" : ",padded")})";
    }

    /// <summary>0, from a call the JIT does not inline, so it cannot fold <c>p + _zero</c> into <c>p</c>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Zero() => 0;

    public string KernelName => _name + _activation.Suffix;

    /// <summary>Whether the weights are packed per call from the original tensor (low memory), not kept packed.</summary>
    public bool PacksWeightsPerCall => _weightScratch is not null;

    /// <summary>Only when it packs them per call (low memory).</summary>
    public bool ReadsWeightInput => PacksWeightsPerCall;

    /// <summary>k per low-memory weight-packing work item (items: 64-channel panel × run of k, fixed by the shape).</summary>
    private const int WeightQChunk = 512;

    /// <summary>
    /// Wᵀ of output channels <c>[co0, co1)</c>, k in <c>[q0, q1)</c>: <c>dst[co/64·K·64 + q·64 + co%64] = W[co, q]</c>,
    /// in blocks of 16 k (16 rows of Wᵀ, 4 KiB, stay in L1 while 64 channels fill them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackWeights(float* w, float* weights, int co0, int co1, int k, int q0 = 0, int q1 = -1)
    {
        if (q1 < 0)
        {
            q1 = k;
        }

        for (int qb = q0; qb < q1; qb += 16)
        {
            int qe = Math.Min(q1, qb + 16);
            for (int co = co0; co < co1; co++)
            {
                float* dst = weights + ((long)co / NR * k * NR) + (co % NR);
                float* src = w + ((long)co * k);
                for (int q = qb; q < qe; q++)
                {
                    dst[(long)q * NR] = src[q];                // B[q, co] = W[co, q]
                }
            }
        }
    }

    /// <summary>Low memory: one (64-channel panel, run of <see cref="WeightQChunk"/> k) block of Wᵀ into the scratch.</summary>
    private void PackWeightItem(int item, int worker)
    {
        int panel = item / _weightQChunks, q0 = item % _weightQChunks * _weightQChunk;
        PackWeights(_w, _weightScratch!.Pointer, panel * NR, Math.Min(_p.OutChannels, (panel + 1) * NR), _k, q0, Math.Min(_k, q0 + _weightQChunk));
    }

    /// <summary>The activation is applied where the item's Yᵀ block is transposed into NCHW.</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    /// <summary>One group, C_out a multiple of 64, column stride 1 or 2, AVX-512.</summary>
    public static bool Supports(ConvParams p) =>
        Vector512.IsHardwareAccelerated && p.Group == 1 && ConvSgemm.Supports(p) && p.OutChannels % (NR / 2) == 0
        && (p.Window.Strides[2] == 1 || p.Window.Strides[2] == 2);

    /// <summary>
    /// Where it beat the packed SGEMMs (tools/kernel-probe rowtile, one core and two, same minutes): every window
    /// wider than 1×1 that Winograd and the direct small-K kernel do not take (ResNet-18 layer4 3×3 0.98 → 0.89 ms hot,
    /// 1.23 → 0.94 ms with the weights coming from memory; the 3×3 stride-2 convs 5–25 % faster). 1×1 windows only
    /// when X is read in place (no padding copy) and K = C_in ≥ <see cref="MinPointwiseK"/>: since the vectorized
    /// transpose into NCHW (tools/kernel-probe pw, hot, GFLOP/s 1 thread / 2 threads) ResNet-18's strided downsamples
    /// 64→128 @56 s2 188/147 → 214/307, 128→256 @28 s2 186/159 → 241/397, 256→512 @14 s2 126/172 → 245/395 (the
    /// im2col SGEMM gathered and packed every column), Tiny Darknet's 512→64 @14 208/209 → 253/404, 512→128 @14
    /// 223/277 → 260/430 (on 14×14 the SGEMM packs all of B, shared by its row chunks). Not with a short K (16→128
    /// @56: 254 → 145), nor on planes that need the padded copy (13×13, 27×27, 55×55: 30–50 % slower), nor stride-1
    /// planes larger than <see cref="MaxPointwisePlane"/>, where the SGEMM reads B in place (64→128 @56 295/528 → 230/376).
    /// </summary>
    public static bool Worthwhile(ConvParams p) =>
        Supports(p) && (p.OutChannels % NR == 0 || !ConvSmallPlane.Worthwhile(p))
        && (p.Window.KernelSize > 1 || (ReadsInPlace(p) && p.InChannels >= MinPointwiseK
            && (p.Window.Strides[1] > 1 || p.Window.Strides[2] > 1 || p.Window.OutputSize <= MaxPointwisePlane)));

    /// <summary>Largest output plane of a stride-1 1×1 conv taken (14×14).</summary>
    public const int MaxPointwisePlane = 196;

    /// <summary>Smallest C_in of a 1×1 conv taken (a shorter K leaves the per-tile Yᵀ store and transpose dominant).</summary>
    public const int MinPointwiseK = 64;

    /// <summary>No padding and whole tiles: X is read in place (every read lies inside its plane).</summary>
    public static bool ReadsInPlace(ConvParams p)
    {
        var g = p.Window;
        return g.PadsBegin[1] == 0 && g.PadsBegin[2] == 0 && g.PadsEnd[1] == 0 && g.PadsEnd[2] == 0 && g.Output[2] % MR == 0;
    }

    public void Run(KernelArgs args)
    {
        var g = _p.Window;
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        int items = _panels * _chunks;
        if (_weightScratch is not null)
        {
            _weightQueue!.Run(_panels * _weightQChunks, _threads);
            _wt = _weightScratch.Pointer;
            _cb = _cScratch!.Pointer;
            _pb = _paddedScratch is null ? null : _paddedScratch.Pointer;
            if (_pb != null)
            {
                // The scratch holds other steps' data: PadChannels clears the borders too; here the slack past the planes.
                long planes = (long)_p.InChannels * _hp * _wp;
                Floats.Clear(_pb + planes, (int)(_paddedLength - planes));
            }
        }
        else
        {
            _wt = _weights!.Pointer;
            _cb = _c!.Pointer;
            _pb = _padded is null ? null : _padded.Pointer;
        }
        for (int n = 0; n < _p.Batch; n++)
        {
            _x = (float*)args.Inputs[0].Pointer + ((long)n * _p.InChannels * g.InputSize);
            _y = (float*)args.Outputs[0].Pointer + ((long)n * _p.OutChannels * g.OutputSize);
            if (_pb != null)
            {
                _padQueue.Run((_p.InChannels + 15) / 16, _threads);
                _x = _pb;
            }

            _queue.Run(items, _threads);
        }
    }

    /// <summary>Low memory (the padded copy is shared scratch): zeros one padded plane's border rows and columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ClearBorders(float* plane, int h, int w, int pt, int pl)
    {
        Floats.Clear(plane, pt * _wp);
        for (int y = 0; y < h; y++)
        {
            float* row = plane + ((long)(y + pt) * _wp);
            Floats.Clear(row, pl);
            Floats.Clear(row + pl + w, _wp - pl - w);
        }

        Floats.Clear(plane + ((long)(h + pt) * _wp), (_hp - h - pt) * _wp);
    }

    /// <summary>
    /// Channels <c>[16·item, …)</c> into the interior of the padded buffer. Its borders (and slack) are zero from
    /// allocation and nothing else writes them, so they are not rewritten (clearing them row by row cost more than
    /// the copy on 7×7 planes: 0.07 of 0.89 ms on ResNet-18 layer4). Low memory: the buffer is shared scratch, so the
    /// borders are cleared here too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PadChannels(int item, int worker)
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], pt = g.PadsBegin[1], pl = g.PadsBegin[2];
        int c1 = Math.Min(_p.InChannels, (item + 1) * 16);
        for (int ci = item * 16; ci < c1; ci++)
        {
            if (_paddedScratch is not null)
            {
                ClearBorders(_pb + ((long)ci * _hp * _wp), h, w, pt, pl);
            }

            float* src = _x + ((long)ci * h * w);
            float* dst = _pb + ((long)ci * _hp * _wp) + ((long)pt * _wp) + pl;
            for (int y = 0; y < h; y++, src += w, dst += _wp)
            {
                if (w >= 8)
                {
                    Floats.Copy(src, dst, w);
                }
                else
                {
                    for (int i = 0; i < w; i++)
                    {
                        dst[i] = src[i];
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunItem(int item, int worker)
    {
        if (_p.Window.Strides[2] == 1)
        {
            RunItem<ColumnStride1>(item, worker);
        }
        else
        {
            RunItem<ColumnStride2>(item, worker);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunItem<TS>(int item, int worker) where TS : struct, IColumnStride
    {
        var g = _p.Window;
        int panel = item / _chunks, t0 = item % _chunks * _tileChunk, t1 = Math.Min(_tiles, t0 + _tileChunk);
        int sh = g.Strides[1], sw = g.Strides[2], ow = g.Output[2];
        float* c = _cb + ((long)worker * _tileChunk * MR * NR);     // the worker's Yᵀ block: [t − t0][r][64]
        bool half = _halfLast && panel == _panels - 1;
        fixed (int* kOffset = _kOffset)
        {
            for (int k0 = 0; k0 < _k; k0 += KcBlock)
            {
                int kc = Math.Min(KcBlock, _k - k0);
                float* b = _wt + (((long)panel * _k) + k0) * NR;
                for (int t = t0; t < t1; t++)
                {
                    int oy = t / _tilesPerRow, ox0 = t % _tilesPerRow * MR;
                    float* x = _x + ((long)oy * sh * _wp) + ((long)ox0 * sw);

                    // The item's first four tiles pull the next K block of Wᵀ (weights stream from memory) into L2, a
                    // quarter each, one 64-byte line per k; in the last block, the next panel's first block (the next
                    // item's weights, likely). Before, the first tile pulled the whole block (4 lines per k): 512→512
                    // @7 and 256→512 @14 s2 3–9 % slower (kernel-probe, 1 thread, cold and hot caches).
                    int j = t - t0;
                    float* pf = j >= 4 || (k0 + kc >= _k && panel + 1 >= _panels) ? null : b + (kc * NR) + ((long)j * kc * 16);

                    if (half)
                    {
                        // The last panel of C_out = 64·n + 32: its 32 channels only (the other half of Wᵀ is not packed).
                        Micro32<TS>(kc, kOffset + k0, x, b, c + ((t - t0) * MR * NR), NR, k0 == 0, pf);
                    }
                    else if (ox0 + MR - 1 >= ow)
                    {
                        // A row's last tile with at most 6 positions (13×13, 27×27 planes: every other / fourth tile).
                        Micro6<TS>(kc, kOffset + k0, x, b, c + ((t - t0) * MR * NR), NR, k0 == 0, pf);
                    }
                    else
                    {
                        Micro<TS>(kc, kOffset + k0, x, b, c + ((t - t0) * MR * NR), NR, k0 == 0, pf, _zero);
                    }
                }
            }
        }

        WriteOutput(panel, t0, t1, c);
    }

    /// <summary>Lane masks for <see cref="Avx.MaskStore(float*, Vector256{float}, Vector256{float})"/>: row r keeps lanes below r.</summary>
    private static readonly float[] LaneMasks = BuildLaneMasks();

    private static float[] BuildLaneMasks()
    {
        var m = new float[9 * 8];
        for (int r = 0; r <= 8; r++)
        {
            for (int j = 0; j < r; j++)
            {
                m[(r * 8) + j] = BitConverter.Int32BitsToSingle(-1);
            }
        }

        return m;
    }

    /// <summary>
    /// <c>Y[co, oy·OW + ox0 + r] = act(C[(t − t0)·7 + r, co % 64] + B[co])</c> for the item's tiles and panel (C: the
    /// worker's Yᵀ block), 8 × 8 blocks transposed in registers (the scalar strided copy was a fifth of a 32→128 3×3
    /// conv on 27×27), the activation applied to the transposed vectors before the store. Each block is stored whole
    /// when its dummy lanes (the 8th, and those past a short last tile of a row) land on positions of the item's later
    /// tiles, which overwrite them; else (near the end of the item's positions) with a lane mask. Before: short tiles
    /// (every other tile on 13×13 planes) went through a scalar copy, and the activation was a second pass over the
    /// item's outputs; kernel-probe, same process, 1 thread: 48→192 @13 −9 %, 64→256 @13 and 32→128 @27 −4 %, the
    /// others within ±1 %.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WriteOutput(int panel, int t0, int t1, float* c)
    {
        var g = _p.Window;
        int ow = g.Output[2], n = g.OutputSize;
        long pEnd = ((t1 - 1) / _tilesPerRow * ow) + Math.Min(ow, ((t1 - 1) % _tilesPerRow * MR) + MR);
        var kind = _activation.Kind;
        var (ap, aq) = _activation.Parameters256;
        fixed (float* masks = LaneMasks)
        {
            for (int co0 = panel * NR; co0 < Math.Min(_p.OutChannels, (panel + 1) * NR); co0 += 8)
            {
                var bias = _b == null ? Vector256<float>.Zero : Vector256.Load(_b + co0);
                float* y0 = _y + ((long)co0 * n);
                int oy = t0 / _tilesPerRow, ox0 = t0 % _tilesPerRow * MR;
                for (int t = t0; t < t1; t++)
                {
                    int rows = Math.Min(MR, ow - ox0);
                    float* src = c + ((t - t0) * MR * NR) + co0 - (panel * NR);
                    long pos = (oy * ow) + ox0;
                    ox0 += MR;
                    if (ox0 >= ow)
                    {
                        ox0 = 0;
                        oy++;
                    }

                    // 8 positions (the 8th a dummy) × 8 channels, transposed to 8 channels × 8 positions.
                    var r0 = Vector256.Load(src) + bias;
                    var r1 = Vector256.Load(src + NR) + bias;
                    var r2 = Vector256.Load(src + (2 * NR)) + bias;
                    var r3 = Vector256.Load(src + (3 * NR)) + bias;
                    var r4 = Vector256.Load(src + (4 * NR)) + bias;
                    var r5 = Vector256.Load(src + (5 * NR)) + bias;
                    var r6 = Vector256.Load(src + (6 * NR)) + bias;
                    var r7 = r6;
                    var u0 = Avx.UnpackLow(r0, r1); var u1 = Avx.UnpackHigh(r0, r1);
                    var u2 = Avx.UnpackLow(r2, r3); var u3 = Avx.UnpackHigh(r2, r3);
                    var u4 = Avx.UnpackLow(r4, r5); var u5 = Avx.UnpackHigh(r4, r5);
                    var u6 = Avx.UnpackLow(r6, r7); var u7 = Avx.UnpackHigh(r6, r7);
                    var s0 = Avx.Shuffle(u0, u2, 0x44); var s1 = Avx.Shuffle(u0, u2, 0xEE);
                    var s2 = Avx.Shuffle(u1, u3, 0x44); var s3 = Avx.Shuffle(u1, u3, 0xEE);
                    var s4 = Avx.Shuffle(u4, u6, 0x44); var s5 = Avx.Shuffle(u4, u6, 0xEE);
                    var s6 = Avx.Shuffle(u5, u7, 0x44); var s7 = Avx.Shuffle(u5, u7, 0xEE);
                    var col0 = FusedActivation.Apply(Avx.Permute2x128(s0, s4, 0x20), kind, ap, aq);
                    var col4 = FusedActivation.Apply(Avx.Permute2x128(s0, s4, 0x31), kind, ap, aq);
                    var col1 = FusedActivation.Apply(Avx.Permute2x128(s1, s5, 0x20), kind, ap, aq);
                    var col5 = FusedActivation.Apply(Avx.Permute2x128(s1, s5, 0x31), kind, ap, aq);
                    var col2 = FusedActivation.Apply(Avx.Permute2x128(s2, s6, 0x20), kind, ap, aq);
                    var col6 = FusedActivation.Apply(Avx.Permute2x128(s2, s6, 0x31), kind, ap, aq);
                    var col3 = FusedActivation.Apply(Avx.Permute2x128(s3, s7, 0x20), kind, ap, aq);
                    var col7 = FusedActivation.Apply(Avx.Permute2x128(s3, s7, 0x31), kind, ap, aq);

                    // The lanes past the tile's positions land on the positions of the item's next tiles, which it
                    // writes later; near the end of the item's run of positions, only the tile's own lanes are stored.
                    if (pos + 8 <= pEnd)
                    {
                        col0.Store(y0 + pos); col1.Store(y0 + n + pos); col2.Store(y0 + (2 * n) + pos); col3.Store(y0 + (3 * n) + pos);
                        col4.Store(y0 + (4 * n) + pos); col5.Store(y0 + (5 * n) + pos); col6.Store(y0 + (6 * n) + pos); col7.Store(y0 + (7 * n) + pos);
                    }
                    else
                    {
                        var mask = Vector256.Load(masks + (rows * 8));
                        float* d = y0 + pos;
                        Avx.MaskStore(d, mask, col0); Avx.MaskStore(d + n, mask, col1); Avx.MaskStore(d + (2 * n), mask, col2); Avx.MaskStore(d + (3 * n), mask, col3);
                        Avx.MaskStore(d + (4 * n), mask, col4); Avx.MaskStore(d + (5 * n), mask, col5); Avx.MaskStore(d + (6 * n), mask, col6); Avx.MaskStore(d + (7 * n), mask, col7);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <c>C[r, 0..64] (+)= Σ_q Xp[x + kOffset[q] + r·S] · B[q, 0..64]</c> for r &lt; 7, from zero when
    /// <paramref name="zero"/>, else adding to C (rows ldc apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro<TS>(int kc, int* kOffset, float* x, float* b, float* c, long ldc, bool zero, float* pf, long z) where TS : struct, IColumnStride
    {
        int s = TS.S;
        float* r0 = c, r1 = c + ldc, r2 = c + (2 * ldc), r3 = c + (3 * ldc), r4 = c + (4 * ldc), r5 = c + (5 * ldc), r6 = c + (6 * ldc);
        Vector512<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        Vector512<float> c40, c41, c42, c43, c50, c51, c52, c53, c60, c61, c62, c63;
        if (zero)
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = Vector512<float>.Zero;
            c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = c60 = c61 = c62 = c63 = Vector512<float>.Zero;
        }
        else
        {
            c00 = Vector512.Load(r0); c01 = Vector512.Load(r0 + 16); c02 = Vector512.Load(r0 + 32); c03 = Vector512.Load(r0 + 48);
            c10 = Vector512.Load(r1); c11 = Vector512.Load(r1 + 16); c12 = Vector512.Load(r1 + 32); c13 = Vector512.Load(r1 + 48);
            c20 = Vector512.Load(r2); c21 = Vector512.Load(r2 + 16); c22 = Vector512.Load(r2 + 32); c23 = Vector512.Load(r2 + 48);
            c30 = Vector512.Load(r3); c31 = Vector512.Load(r3 + 16); c32 = Vector512.Load(r3 + 32); c33 = Vector512.Load(r3 + 48);
            c40 = Vector512.Load(r4); c41 = Vector512.Load(r4 + 16); c42 = Vector512.Load(r4 + 32); c43 = Vector512.Load(r4 + 48);
            c50 = Vector512.Load(r5); c51 = Vector512.Load(r5 + 16); c52 = Vector512.Load(r5 + 32); c53 = Vector512.Load(r5 + 48);
            c60 = Vector512.Load(r6); c61 = Vector512.Load(r6 + 16); c62 = Vector512.Load(r6 + 32); c63 = Vector512.Load(r6 + 48);
        }

        // Every k pulls a row 8 ahead of this block to L1; pf (or null) a quarter of the next block to L2, a line per k.
        long pfStep = pf == null ? 0 : 16;
        for (int q = 0; q < kc; q++, b += NR, pf += pfStep)
        {
            Sse.Prefetch0(b + (NR * 8));
            if (pfStep != 0)
            {
                Sse.Prefetch1(pf);
            }

            // Two passes over the 7 positions, 32 channels each (28 accumulators + 2 rows of Wᵀ + 1 broadcast: 31
            // registers; one pass of 64 needed 33 and the JIT spilled an accumulator through the stack every k). The
            // second pass reads the pixels at p0 + z (z = 0, unknown to the JIT), so they are broadcast again rather
            // than kept in 7 registers.
            float* p0 = x + kOffset[q], p1 = p0 + z;
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var a = Vector512.Create(p0[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(p0[s]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(p0[2 * s]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(p0[3 * s]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(p0[4 * s]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(p0[5 * s]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(p0[6 * s]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            var b2 = Vector512.Load(b + 32); var b3 = Vector512.Load(b + 48);
            a = Vector512.Create(p1[0]);
            c02 = Vector512.FusedMultiplyAdd(a, b2, c02); c03 = Vector512.FusedMultiplyAdd(a, b3, c03);
            a = Vector512.Create(p1[s]);
            c12 = Vector512.FusedMultiplyAdd(a, b2, c12); c13 = Vector512.FusedMultiplyAdd(a, b3, c13);
            a = Vector512.Create(p1[2 * s]);
            c22 = Vector512.FusedMultiplyAdd(a, b2, c22); c23 = Vector512.FusedMultiplyAdd(a, b3, c23);
            a = Vector512.Create(p1[3 * s]);
            c32 = Vector512.FusedMultiplyAdd(a, b2, c32); c33 = Vector512.FusedMultiplyAdd(a, b3, c33);
            a = Vector512.Create(p1[4 * s]);
            c42 = Vector512.FusedMultiplyAdd(a, b2, c42); c43 = Vector512.FusedMultiplyAdd(a, b3, c43);
            a = Vector512.Create(p1[5 * s]);
            c52 = Vector512.FusedMultiplyAdd(a, b2, c52); c53 = Vector512.FusedMultiplyAdd(a, b3, c53);
            a = Vector512.Create(p1[6 * s]);
            c62 = Vector512.FusedMultiplyAdd(a, b2, c62); c63 = Vector512.FusedMultiplyAdd(a, b3, c63);
        }

        c00.Store(r0); c01.Store(r0 + 16); c02.Store(r0 + 32); c03.Store(r0 + 48);
        c10.Store(r1); c11.Store(r1 + 16); c12.Store(r1 + 32); c13.Store(r1 + 48);
        c20.Store(r2); c21.Store(r2 + 16); c22.Store(r2 + 32); c23.Store(r2 + 48);
        c30.Store(r3); c31.Store(r3 + 16); c32.Store(r3 + 32); c33.Store(r3 + 48);
        c40.Store(r4); c41.Store(r4 + 16); c42.Store(r4 + 32); c43.Store(r4 + 48);
        c50.Store(r5); c51.Store(r5 + 16); c52.Store(r5 + 32); c53.Store(r5 + 48);
        c60.Store(r6); c61.Store(r6 + 16); c62.Store(r6 + 32); c63.Store(r6 + 48);
    }

    /// <summary>
    /// <see cref="Micro{TS}"/>'s first pass alone: 7 positions × 32 channels (14 accumulators), for the last panel of a
    /// C_out that is 32 more than a multiple of 64 (also its short tiles: the positions past a row read the padded
    /// buffer's slack, and the output store drops them). Columns 32..63 of C are left as they were.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro32<TS>(int kc, int* kOffset, float* x, float* b, float* c, long ldc, bool zero, float* pf) where TS : struct, IColumnStride
    {
        int s = TS.S;
        float* r0 = c, r1 = c + ldc, r2 = c + (2 * ldc), r3 = c + (3 * ldc), r4 = c + (4 * ldc), r5 = c + (5 * ldc), r6 = c + (6 * ldc);
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61;
        if (zero)
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = Vector512<float>.Zero;
        }
        else
        {
            c00 = Vector512.Load(r0); c01 = Vector512.Load(r0 + 16);
            c10 = Vector512.Load(r1); c11 = Vector512.Load(r1 + 16);
            c20 = Vector512.Load(r2); c21 = Vector512.Load(r2 + 16);
            c30 = Vector512.Load(r3); c31 = Vector512.Load(r3 + 16);
            c40 = Vector512.Load(r4); c41 = Vector512.Load(r4 + 16);
            c50 = Vector512.Load(r5); c51 = Vector512.Load(r5 + 16);
            c60 = Vector512.Load(r6); c61 = Vector512.Load(r6 + 16);
        }

        long pfStep = pf == null ? 0 : 16;
        for (int q = 0; q < kc; q++, b += NR, pf += pfStep)
        {
            Sse.Prefetch0(b + (NR * 8));
            if (pfStep != 0)
            {
                Sse.Prefetch1(pf);
            }

            float* p = x + kOffset[q];
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16);
            var a = Vector512.Create(p[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(p[s]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(p[2 * s]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(p[3 * s]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(p[4 * s]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(p[5 * s]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(p[6 * s]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
        }

        c00.Store(r0); c01.Store(r0 + 16);
        c10.Store(r1); c11.Store(r1 + 16);
        c20.Store(r2); c21.Store(r2 + 16);
        c30.Store(r3); c31.Store(r3 + 16);
        c40.Store(r4); c41.Store(r4 + 16);
        c50.Store(r5); c51.Store(r5 + 16);
        c60.Store(r6); c61.Store(r6 + 16);
    }

    /// <summary>
    /// <see cref="Micro{TS}"/> for a row's last tile when it has at most 6 positions (13- and 27-wide planes): rows
    /// 0..5 only, 24 accumulators + 4 rows of Wᵀ + 1 broadcast, one pass per k. Row 6 of C is left as it was.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Micro6<TS>(int kc, int* kOffset, float* x, float* b, float* c, long ldc, bool zero, float* pf) where TS : struct, IColumnStride
    {
        int s = TS.S;
        float* r0 = c, r1 = c + ldc, r2 = c + (2 * ldc), r3 = c + (3 * ldc), r4 = c + (4 * ldc), r5 = c + (5 * ldc);
        Vector512<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33;
        Vector512<float> c40, c41, c42, c43, c50, c51, c52, c53;
        if (zero)
        {
            c00 = c01 = c02 = c03 = c10 = c11 = c12 = c13 = c20 = c21 = c22 = c23 = c30 = c31 = c32 = c33 = Vector512<float>.Zero;
            c40 = c41 = c42 = c43 = c50 = c51 = c52 = c53 = Vector512<float>.Zero;
        }
        else
        {
            c00 = Vector512.Load(r0); c01 = Vector512.Load(r0 + 16); c02 = Vector512.Load(r0 + 32); c03 = Vector512.Load(r0 + 48);
            c10 = Vector512.Load(r1); c11 = Vector512.Load(r1 + 16); c12 = Vector512.Load(r1 + 32); c13 = Vector512.Load(r1 + 48);
            c20 = Vector512.Load(r2); c21 = Vector512.Load(r2 + 16); c22 = Vector512.Load(r2 + 32); c23 = Vector512.Load(r2 + 48);
            c30 = Vector512.Load(r3); c31 = Vector512.Load(r3 + 16); c32 = Vector512.Load(r3 + 32); c33 = Vector512.Load(r3 + 48);
            c40 = Vector512.Load(r4); c41 = Vector512.Load(r4 + 16); c42 = Vector512.Load(r4 + 32); c43 = Vector512.Load(r4 + 48);
            c50 = Vector512.Load(r5); c51 = Vector512.Load(r5 + 16); c52 = Vector512.Load(r5 + 32); c53 = Vector512.Load(r5 + 48);
        }

        long pfStep = pf == null ? 0 : 16;
        for (int q = 0; q < kc; q++, b += NR, pf += pfStep)
        {
            Sse.Prefetch0(b + (NR * 8));
            if (pfStep != 0)
            {
                Sse.Prefetch1(pf);
            }

            float* p = x + kOffset[q];
            var b0 = Vector512.Load(b); var b1 = Vector512.Load(b + 16); var b2 = Vector512.Load(b + 32); var b3 = Vector512.Load(b + 48);
            var a = Vector512.Create(p[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01); c02 = Vector512.FusedMultiplyAdd(a, b2, c02); c03 = Vector512.FusedMultiplyAdd(a, b3, c03);
            a = Vector512.Create(p[s]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11); c12 = Vector512.FusedMultiplyAdd(a, b2, c12); c13 = Vector512.FusedMultiplyAdd(a, b3, c13);
            a = Vector512.Create(p[2 * s]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21); c22 = Vector512.FusedMultiplyAdd(a, b2, c22); c23 = Vector512.FusedMultiplyAdd(a, b3, c23);
            a = Vector512.Create(p[3 * s]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31); c32 = Vector512.FusedMultiplyAdd(a, b2, c32); c33 = Vector512.FusedMultiplyAdd(a, b3, c33);
            a = Vector512.Create(p[4 * s]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41); c42 = Vector512.FusedMultiplyAdd(a, b2, c42); c43 = Vector512.FusedMultiplyAdd(a, b3, c43);
            a = Vector512.Create(p[5 * s]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51); c52 = Vector512.FusedMultiplyAdd(a, b2, c52); c53 = Vector512.FusedMultiplyAdd(a, b3, c53);
        }

        c00.Store(r0); c01.Store(r0 + 16); c02.Store(r0 + 32); c03.Store(r0 + 48);
        c10.Store(r1); c11.Store(r1 + 16); c12.Store(r1 + 32); c13.Store(r1 + 48);
        c20.Store(r2); c21.Store(r2 + 16); c22.Store(r2 + 32); c23.Store(r2 + 48);
        c30.Store(r3); c31.Store(r3 + 16); c32.Store(r3 + 32); c33.Store(r3 + 48);
        c40.Store(r4); c41.Store(r4 + 16); c42.Store(r4 + 32); c43.Store(r4 + 48);
        c50.Store(r5); c51.Store(r5 + 16); c52.Store(r5 + 32); c53.Store(r5 + 48);
    }
}
