using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// 3×3 stride-1 dilation-1 single-group convolution by Winograd F(4×4, 3×3) (Lavin &amp; Gray): each 4×4 output tile
/// is <c>Y = Aᵀ [ Σ_ci (G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ) ] A + b</c> over the 6×6 input patch d of each input channel.
/// Per image: (1) input transform <c>V[ci, ξ, t]</c> (ξ = one of the 36 points of the 6×6 transform, t = tile);
/// (2) 36 packed SGEMMs <c>M[·, ξ, ·] = U[ξ] · V[·, ξ, ·]</c> with <c>U[ξ] = (G g Gᵀ)[ξ]</c> (C_out × C_in) packed at plan
/// time; (3) output transform with the bias, written clipped into the NCHW output. The GEMMs do 36 products per
/// 16 outputs and input channel instead of 144 (4× fewer). It rounds differently from a direct convolution: see <see cref="PlanOptions.AllowWinograd"/> and the
/// accuracy test. Oracle: <see cref="ConvReference"/>.
/// </summary>
internal sealed unsafe class ConvWinogradF4x4 : IKernel, IDescribedKernel, IActivationEpilogue, IOwnedMemory, IWeightInputReader
{
    private const int Points = 36;                   // 6×6 transform points per tile

    private readonly ConvParams _p;
    private readonly int _tilesH, _tilesW, _tiles;
    private readonly SgemmPackedA[] _u;              // per ξ: C_out × C_in
    private readonly ISgemm<DenseRowsPanelSource>[] _gemm;   // one single-threaded SGEMM per worker
    private readonly ScratchFloats _v;               // (C_in, 36, tiles): a channel's 36 rows are near each other
    private readonly ScratchFloats _m;               // (C_out, 36, tiles); [36][C][tiles] would put a tile's 36
                                                     // values C·tiles·4 bytes apart, often a multiple of 4 KiB (L1 set aliasing)
    private readonly WorkQueue _inputQueue, _gemmQueue, _outputQueue;
    private readonly int _threads;
    private readonly int _phaseLength;               // row length of the per-tile-row scratch (tiles + 1, rounded up)
    private readonly int _band;                      // tile rows per input-transform band (≈ 256 tiles)
    private readonly long _qStride;                  // one column-phase plane of a band: (band + 1) tile rows, + 16 for the vector overrun
    private readonly long _oStride;                  // one output phase plane of a band (AVX-512 output transform)
    private readonly int _rowBuffer;                 // one zero-padded input row, 16 tiles per vector plus the next tile
    private readonly long _inputScratchPerWorker, _outputScratchPerWorker;
    private readonly ScratchFloats _inputScratch, _outputScratch;
    private float* _x, _y, _b;

    /// <summary>U: weights. V, M, the per-worker transform buffers and the SGEMMs' buffers: scratch.</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Weights(_u);
        memory.Parts(_gemm);
        memory.Scratch(_v);
        memory.Scratch(_m);
        memory.Scratch(_inputScratch);
        memory.Scratch(_outputScratch);
    }

    public ConvWinogradF4x4(ConvParams p, float* w, KernelIsa isa, int threads)
    {
        _p = p;
        _threads = Math.Max(1, threads);
        var g = p.Window;
        _tilesH = (g.Output[1] + 3) / 4;
        _tilesW = (g.Output[2] + 3) / 4;
        _tiles = _tilesH * _tilesW;
        int cin = p.InChannels, cout = p.OutChannels;
        string sgemm = SgemmFactory.Name(isa, cout, _tiles);
        _gemm = new ISgemm<DenseRowsPanelSource>[Math.Min(_threads, Points)];
        for (int i = 0; i < _gemm.Length; i++)
        {
            _gemm[i] = SgemmFactory.Create<DenseRowsPanelSource>(sgemm, cout, _tiles, cin, 1);
        }

        // U[ξ, co, ci] = (G g Gᵀ)[ξ] in double, then rounded once. Built one ξ = (i, j) at a time (row i of G g for every
        // (co, ci), then each j), so the only transient is one C_out × C_in slice and its G g rows, not all 36 slices
        // (VGG-16's largest layer: 3 + 1 MiB instead of 36 MiB of garbage per layer); the values are the same.
        _u = new SgemmPackedA[Points];
        long pairs = (long)cout * cin;
        var gRow = new double[pairs * 3];
        var slice = new float[pairs];
        fixed (float* up = slice)
        {
            for (int i = 0; i < 6; i++)
            {
                for (long pair = 0; pair < pairs; pair++)
                {
                    float* k = w + (pair * 9);
                    for (int c = 0; c < 3; c++)
                    {
                        gRow[(pair * 3) + c] = (G[i, 0] * k[c]) + (G[i, 1] * k[3 + c]) + (G[i, 2] * k[6 + c]);   // (G g)[i, c]
                    }
                }

                for (int j = 0; j < 6; j++)
                {
                    for (long pair = 0; pair < pairs; pair++)
                    {
                        double v = (gRow[pair * 3] * G[j, 0]) + (gRow[(pair * 3) + 1] * G[j, 1]) + (gRow[(pair * 3) + 2] * G[j, 2]);
                        slice[pair] = (float)v;
                    }

                    _u[(i * 6) + j] = _gemm[0].PackWeights(cout, cin, up, cin, 1);
                }
            }
        }

        _v = ScratchFloats.Reserve((long)Points * cin * _tiles);
        _m = ScratchFloats.Reserve(((long)Points * cout * _tiles) + 16);       // vector loads run up to 15 floats past the last tile
        _phaseLength = ((_tilesW + 8) / 8 * 8) + 8;                         // ≥ tiles + 1, whole vectors, +8 for the j + 1 loads
        _band = Math.Max(1, Math.Min(_tilesH, 256 / _tilesW));
        _qStride = ((((_band + 1) * _tilesW) + 15) & ~15) + 16;
        _rowBuffer = (4 * ((_tilesW + 15) & ~15)) + 16;
        _inputScratchPerWorker = _rowBuffer + (24 * _qStride) + (2 * Points * 16) + 16;
        _oStride = (((_band * _tilesW) + 15) & ~15) + 16;
        _outputScratchPerWorker = Math.Max((4 * 6 * 8) + (16 * _phaseLength), (4 * 6 * 16) + (16 * _oStride)) + 16;
        _inputScratch = ScratchFloats.Reserve(_inputScratchPerWorker * _threads);
        _outputScratch = ScratchFloats.Reserve(_outputScratchPerWorker * _threads);
        _inputQueue = new WorkQueue(InputTransform);
        _gemmQueue = new WorkQueue(Gemm);
        _outputQueue = new WorkQueue(OutputTransform);
        _name = $"ConvWinogradF4x4_3x3({sgemm})";
    }

    private readonly string _name;
    private FusedActivation _activation;

    public string KernelName => _name + _activation.Suffix;

    /// <summary>The weights were transformed and packed at plan time.</summary>
    public bool ReadsWeightInput => false;

    /// <summary>The activation is applied by the output transform to its results in registers.</summary>
    public void SetActivation(FusedActivation activation) => _activation = activation;

    /// <summary>G of F(4×4, 3×3): the 6×3 filter transform.</summary>
    private static readonly double[,] G =
    {
        { 1.0 / 4, 0, 0 },
        { -1.0 / 6, -1.0 / 6, -1.0 / 6 },
        { -1.0 / 6, 1.0 / 6, -1.0 / 6 },
        { 1.0 / 24, 1.0 / 12, 1.0 / 6 },
        { 1.0 / 24, -1.0 / 12, 1.0 / 6 },
        { 0, 0, 1 },
    };

    /// <summary>3×3, stride 1, dilation 1, one group, 2-D (any padding).</summary>
    public static bool Supports(ConvParams p)
    {
        var g = p.Window;
        return ConvSgemm.Supports(p) && p.Group == 1 && g.Kernel[1] == 3 && g.Kernel[2] == 3
            && g.Strides[1] == 1 && g.Strides[2] == 1 && g.Dilations[1] == 1 && g.Dilations[2] == 1
            && g.Output[1] >= 4 && g.Output[2] >= 4;
    }

    /// <summary>
    /// Whether Winograd beats the direct kernels (ConvRowTile, ConvDirectSmallK, the im2col SGEMM) inside the networks.
    /// Measured after the 16-tile transforms (AVX-512; <c>nativecnn bench --forward-only</c>, per-layer medians, builds
    /// alternated in the same minutes; ms at 1 | 2 threads): ResNet-18 64→64 56² 0.68 | 0.36 against 0.98 | 0.51;
    /// 256→256 14² (16 tiles) 0.74 | 0.41 against 0.90 | 0.46. Not worth it inside the networks although faster on hot
    /// caches in <c>tools/kernel-probe winophase</c>: 64→256 13² (16 tiles) 0.25 against 0.21, 64→512 14² 0.47 against
    /// 0.46 (each transformed weight, 36·C_in·C_out floats = 4× the kernel, serves only 16 tiles; the GEMM's K is short);
    /// from fewer than 64 input channels: 16→64 55² 0.28 | 0.34 against 0.24 | 0.17 (ConvDirectSmallK), 16→32 112²
    /// 0.67 against 0.43, 16→128 56² 0.61–0.63 against 0.48, 32→128 27² 0.22 | 0.27 against 0.22 | 0.16, 32→256 28²
    /// 0.45 | 0.44 against 0.47 | 0.44 (M = C_out·36·tiles floats, 2.25× the output, makes them memory bound; the
    /// two-thread numbers in a slow cross-core period, see tools/core-to-core, where the three phase rounds hurt).
    /// So: ≥ 64 input and ≥ 32 output channels with ≥ 36 tiles (output ≥ 21×21-ish), or ≥ 256 input channels with ≥ 16
    /// tiles (output ≥ 13×13).
    /// </summary>
    public static bool Worthwhile(ConvParams p)
    {
        var g = p.Window;
        long tiles = (long)((g.Output[1] + 3) / 4) * ((g.Output[2] + 3) / 4);
        return Supports(p) && p.OutChannels >= 32 && ((p.InChannels >= 64 && tiles >= 36) || (p.InChannels >= 256 && tiles >= 16));
    }

    public void Run(KernelArgs args)
    {
        var g = _p.Window;
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        for (int n = 0; n < _p.Batch; n++)
        {
            _x = (float*)args.Inputs[0].Pointer + ((long)n * _p.InChannels * g.InputSize);
            _y = (float*)args.Outputs[0].Pointer + ((long)n * _p.OutChannels * g.OutputSize);
            _inputQueue.Run(_p.InChannels, _threads);
            _gemmQueue.Run(Points, _threads);
            _outputQueue.Run(_p.OutChannels, _threads);
        }
    }

    /// <summary>Run on the first image, timing the three phases (for kernel probes): ticks[0..3] += input, GEMM, output.</summary>
    internal void RunTimed(KernelArgs args, long[] ticks)
    {
        _b = args.Inputs.Length > 2 && !args.Inputs[2].IsNull ? (float*)args.Inputs[2].Pointer : null;
        _x = (float*)args.Inputs[0].Pointer;
        _y = (float*)args.Outputs[0].Pointer;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        _inputQueue.Run(_p.InChannels, _threads);
        long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        _gemmQueue.Run(Points, _threads);
        long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
        _outputQueue.Run(_p.OutChannels, _threads);
        long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
        ticks[0] += t1 - t0;
        ticks[1] += t2 - t1;
        ticks[2] += t3 - t2;
    }

    private void Gemm(int xi, int worker) =>
        _gemm[worker].Run(_u[xi], new DenseRowsPanelSource(_v.Pointer + ((long)xi * _tiles), Points * _tiles), null,
            _m.Pointer + ((long)xi * _tiles), Points * _tiles);

    /// <summary>
    /// <c>V[ci, ξ, t] = (Bᵀ d B)[ξ]</c> for every tile t of input channel ci, sixteen tiles per vector (eight without
    /// AVX-512) whatever the tile-row length, a band of tile rows at a time (its scratch stays in L1). Each padded
    /// input row (zero outside the plane) is split into six column phases <c>Q[r mod 4, c, ⌊r/4⌋, tx] = X[4ty + r − padT,
    /// 4tx + c − padL]</c> (c = 4, 5 are phases 0, 1 of the next tile) stored with the tile row stride: the 6×6 patch
    /// point (r, c) of the tiles t … t + 15 is then one contiguous load <c>Q[r mod 4, c] + t + ⌊r/4⌋·tilesW</c>, and each of
    /// the 36 results is a contiguous run of V. Bᵀ is applied down the rows, then across (the same operations, in the
    /// same order, as the row-at-a-time version it replaced).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void InputTransform(int ci, int worker)
    {
        var g = _p.Window;
        int h = g.Input[1], w = g.Input[2], padT = g.PadsBegin[1], padL = g.PadsBegin[2];
        int tw = _tilesW, tiles = _tiles;
        long qs = _qStride;
        float* plane = _x + ((long)ci * g.InputSize);
        float* v = _v.Pointer + ((long)ci * Points * tiles);
        float* rb = _inputScratch.Pointer + ((long)worker * _inputScratchPerWorker);   // one padded input row
        float* qp = rb + _rowBuffer;                                                    // 24 phase planes of a band
        float* tmp = qp + (24 * qs);                                                    // (6, 6, 16): Bᵀ down the rows
        float* tail = tmp + (Points * 16);                                              // (36, 16): the last partial vector
        bool wide = Avx512F.IsSupported;
        int vl = wide ? 16 : 8;
        Floats.Clear(rb, _rowBuffer);
        for (int ty0 = 0; ty0 < _tilesH; ty0 += _band)
        {
            int rowsT = Math.Min(_band, _tilesH - ty0);
            for (int py = 0; py < 4 * (rowsT + 1); py++)
            {
                int rp = py & 3, tyl = py >> 2;
                if (rp >= 2 && tyl == rowsT)
                {
                    continue;                        // below the band only its tiles' rows 4 and 5 (phases 0 and 1) are read
                }

                int iy = (ty0 * 4) + py - padT;
                float* dst = qp + (rp * 6 * qs) + (tyl * tw);
                if ((uint)iy >= (uint)h)
                {
                    for (int c = 0; c < 6; c++)
                    {
                        Floats.Clear(dst + (c * qs), tw);
                    }

                    continue;
                }

                Floats.Copy(plane + ((long)iy * w), rb + padL, w);
                if (wide)
                {
                    SplitPhases512(rb, dst, tw, qs);
                }
                else
                {
                    for (int tx = 0; tx < tw; tx++)
                    {
                        for (int c = 0; c < 6; c++)
                        {
                            dst[(c * qs) + tx] = rb[(4 * tx) + c];
                        }
                    }
                }
            }

            int t0 = ty0 * tw, t1 = t0 + (rowsT * tw);
            for (int t = t0; t < t1; t += vl)
            {
                float* d = qp + (t - t0);
                bool partial = t + vl > tiles;       // stores past t1 inside V land on the next band's tiles, written later
                float* dst = partial ? tail : v + t;
                long ds = partial ? 16 : tiles;
                if (wide)
                {
                    for (int c = 0; c < 6; c++)
                    {
                        float* s = d + (c * qs);
                        BT512(Vector512.Load(s), Vector512.Load(s + (6 * qs)), Vector512.Load(s + (12 * qs)), Vector512.Load(s + (18 * qs)),
                            Vector512.Load(s + tw), Vector512.Load(s + (6 * qs) + tw), tmp + (c * 16), 6 * 16);
                    }

                    for (int i = 0; i < 6; i++)
                    {
                        float* s = tmp + (i * 6 * 16);
                        BT512(Vector512.Load(s), Vector512.Load(s + 16), Vector512.Load(s + 32), Vector512.Load(s + 48),
                            Vector512.Load(s + 64), Vector512.Load(s + 80), dst + (i * 6 * ds), ds);
                    }
                }
                else
                {
                    for (int c = 0; c < 6; c++)
                    {
                        float* s = d + (c * qs);
                        BT(Vector256.Load(s), Vector256.Load(s + (6 * qs)), Vector256.Load(s + (12 * qs)), Vector256.Load(s + (18 * qs)),
                            Vector256.Load(s + tw), Vector256.Load(s + (6 * qs) + tw), tmp + (c * 16), 6 * 16);
                    }

                    for (int i = 0; i < 6; i++)
                    {
                        float* s = tmp + (i * 6 * 16);
                        BT(Vector256.Load(s), Vector256.Load(s + 16), Vector256.Load(s + 32), Vector256.Load(s + 48),
                            Vector256.Load(s + 64), Vector256.Load(s + 80), dst + (i * 6 * ds), ds);
                    }
                }

                if (partial)
                {
                    for (int xi = 0; xi < Points; xi++)
                    {
                        Floats.Copy(tail + (xi * 16), v + ((long)xi * tiles) + t, tiles - t);
                    }
                }
            }
        }
    }

    /// <summary>
    /// The six column phases of one padded row: <c>dst[c·qs + tx] = rb[4tx + c]</c>, c = 0…5, tx &lt; tw (sixteen tiles
    /// per step; the stores run up to 15 floats past tw).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SplitPhases512(float* rb, float* dst, int tw, long qs)
    {
        for (int j = 0; j < tw; j += 16)
        {
            float* sp = rb + (4 * j);
            var v0 = Vector512.Load(sp);
            var v1 = Vector512.Load(sp + 16);
            var v2 = Vector512.Load(sp + 32);
            var v3 = Vector512.Load(sp + 48);
            var next = Vector512.Load(sp + 64);
            var e01 = Avx512F.PermuteVar16x32x2(v0, Even, v1);
            var o01 = Avx512F.PermuteVar16x32x2(v0, Odd, v1);
            var e23 = Avx512F.PermuteVar16x32x2(v2, Even, v3);
            var o23 = Avx512F.PermuteVar16x32x2(v2, Odd, v3);
            var p0 = Avx512F.PermuteVar16x32x2(e01, Even, e23);
            var p1 = Avx512F.PermuteVar16x32x2(o01, Even, o23);
            p0.Store(dst + j);
            p1.Store(dst + qs + j);
            Avx512F.PermuteVar16x32x2(e01, Odd, e23).Store(dst + (2 * qs) + j);
            Avx512F.PermuteVar16x32x2(o01, Odd, o23).Store(dst + (3 * qs) + j);
            Avx512F.PermuteVar16x32x2(p0, NextTile0, next).Store(dst + (4 * qs) + j);
            Avx512F.PermuteVar16x32x2(p1, NextTile1, next).Store(dst + (5 * qs) + j);
        }
    }

    /// <summary>
    /// Output channel co: <c>Y = Aᵀ M A + b</c> per tile, eight tiles of a tile row per vector; the 4×4 results are
    /// interleaved back into output rows, clipped at the bottom and right edges.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OutputTransform(int co, int worker)
    {
        if (Avx512F.IsSupported)
        {
            OutputTransform512(co, worker);
            return;
        }

        var g = _p.Window;
        int oh = g.Output[1], ow = g.Output[2], tw = _tilesW, q = _phaseLength;
        var bias = Vector256.Create(_b == null ? 0f : _b[co]);
        var kind = _activation.Kind;
        var (ap, aq) = _activation.Parameters256;
        float* plane = _y + ((long)co * g.OutputSize);
        float* m = _m.Pointer + ((long)co * Points * _tiles);
        float* t = _outputScratch.Pointer + ((long)worker * _outputScratchPerWorker);   // (4, 6, 8): Aᵀ down the rows
        float* o = t + (4 * 6 * 8);                                                     // (4 rows, 4 columns, q)
        for (int ty = 0; ty < _tilesH; ty++)
        {
            float* mrow = m + (ty * tw);
            for (int j = 0; j < tw; j += 8)
            {
                for (int c = 0; c < 6; c++)
                {
                    float* src = mrow + (c * (long)_tiles) + j;
                    long rs = 6L * _tiles;
                    AT(Vector256.Load(src), Vector256.Load(src + rs), Vector256.Load(src + (2 * rs)), Vector256.Load(src + (3 * rs)),
                        Vector256.Load(src + (4 * rs)), Vector256.Load(src + (5 * rs)), t + (c * 8), 6 * 8, default, ActivationKind.None, default, default);
                }

                for (int r = 0; r < 4; r++)
                {
                    float* src = t + (r * 6 * 8);
                    AT(Vector256.Load(src), Vector256.Load(src + 8), Vector256.Load(src + 16), Vector256.Load(src + 24),
                        Vector256.Load(src + 32), Vector256.Load(src + 40), o + (r * 4 * q) + j, q, bias, kind, ap, aq);
                }
            }

            int rows = Math.Min(4, oh - (ty * 4));
            for (int r = 0; r < rows; r++)
            {
                float* dst = plane + ((long)((ty * 4) + r) * ow);
                float* src = o + (r * 4 * q);
                int full = Math.Min(tw, ow / 4);
                int tx = 0;
                if (Avx512F.IsSupported)
                {
                    // Sixteen tiles (64 output columns) at once: interleave the four column phases back by two rounds of permutes.
                    for (; tx + 16 <= full; tx += 16)
                    {
                        var p0 = Vector512.Load(src + tx);
                        var p1 = Vector512.Load(src + q + tx);
                        var p2 = Vector512.Load(src + (2 * q) + tx);
                        var p3 = Vector512.Load(src + (3 * q) + tx);
                        var lo02 = Avx512F.PermuteVar16x32x2(p0, InterleaveLow, p2);
                        var hi02 = Avx512F.PermuteVar16x32x2(p0, InterleaveHigh, p2);
                        var lo13 = Avx512F.PermuteVar16x32x2(p1, InterleaveLow, p3);
                        var hi13 = Avx512F.PermuteVar16x32x2(p1, InterleaveHigh, p3);
                        float* d = dst + (4 * tx);
                        Avx512F.PermuteVar16x32x2(lo02, InterleaveLow, lo13).Store(d);
                        Avx512F.PermuteVar16x32x2(lo02, InterleaveHigh, lo13).Store(d + 16);
                        Avx512F.PermuteVar16x32x2(hi02, InterleaveLow, hi13).Store(d + 32);
                        Avx512F.PermuteVar16x32x2(hi02, InterleaveHigh, hi13).Store(d + 48);
                    }
                }

                for (; tx < full; tx++)
                {
                    dst[4 * tx] = src[tx];
                    dst[(4 * tx) + 1] = src[q + tx];
                    dst[(4 * tx) + 2] = src[(2 * q) + tx];
                    dst[(4 * tx) + 3] = src[(3 * q) + tx];
                }

                for (int x = 4 * full; x < ow; x++)
                {
                    dst[x] = src[((x % 4) * q) + (x / 4)];
                }

            }
        }
    }

    /// <summary>
    /// <see cref="OutputTransform"/> with AVX-512: sixteen consecutive tiles per vector whatever the tile-row length,
    /// a band of tile rows at a time. Aᵀ down the six rows, then across with the bias and the activation, into sixteen
    /// output phase planes <c>O[a, b, t] = Y[4ty + a, 4tx + b]</c> (same operations, in the same order, as the eight-lane
    /// path); then each output row interleaves its four phase planes, sixteen tiles (64 columns) per step, the last
    /// step's stores masked at the right edge.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void OutputTransform512(int co, int worker)
    {
        var g = _p.Window;
        int oh = g.Output[1], ow = g.Output[2], tw = _tilesW, tiles = _tiles;
        long os = _oStride;
        var bias = Vector512.Create(_b == null ? 0f : _b[co]);
        var kind = _activation.Kind;
        var (ap, aq) = _activation.Parameters512;
        float* plane = _y + ((long)co * g.OutputSize);
        float* m = _m.Pointer + ((long)co * Points * tiles);
        float* tmp = _outputScratch.Pointer + ((long)worker * _outputScratchPerWorker);   // (4, 6, 16): Aᵀ down the rows
        float* o = tmp + (4 * 6 * 16);                                                       // (4, 4, os)
        for (int ty0 = 0; ty0 < _tilesH; ty0 += _band)
        {
            int rowsT = Math.Min(_band, _tilesH - ty0);
            int t0 = ty0 * tw, t1 = t0 + (rowsT * tw);
            for (int t = t0; t < t1; t += 16)
            {
                for (int c = 0; c < 6; c++)
                {
                    float* src = m + (c * (long)tiles) + t;
                    long rs = 6L * tiles;
                    AT512(Vector512.Load(src), Vector512.Load(src + rs), Vector512.Load(src + (2 * rs)), Vector512.Load(src + (3 * rs)),
                        Vector512.Load(src + (4 * rs)), Vector512.Load(src + (5 * rs)), tmp + (c * 16), 6 * 16, default, ActivationKind.None, default, default);
                }

                for (int r = 0; r < 4; r++)
                {
                    float* src = tmp + (r * 6 * 16);
                    AT512(Vector512.Load(src), Vector512.Load(src + 16), Vector512.Load(src + 32), Vector512.Load(src + 48),
                        Vector512.Load(src + 64), Vector512.Load(src + 80), o + (r * 4 * os) + (t - t0), os, bias, kind, ap, aq);
                }
            }

            for (int tyl = 0; tyl < rowsT; tyl++)
            {
                int y0 = (ty0 + tyl) * 4;
                int rows = Math.Min(4, oh - y0);
                for (int r = 0; r < rows; r++)
                {
                    float* dst = plane + ((long)(y0 + r) * ow);
                    float* src = o + (r * 4 * os) + (tyl * tw);
                    for (int tx = 0; tx < tw; tx += 16)
                    {
                        var p0 = Vector512.Load(src + tx);
                        var p1 = Vector512.Load(src + os + tx);
                        var p2 = Vector512.Load(src + (2 * os) + tx);
                        var p3 = Vector512.Load(src + (3 * os) + tx);
                        var lo02 = Avx512F.PermuteVar16x32x2(p0, InterleaveLow, p2);
                        var hi02 = Avx512F.PermuteVar16x32x2(p0, InterleaveHigh, p2);
                        var lo13 = Avx512F.PermuteVar16x32x2(p1, InterleaveLow, p3);
                        var hi13 = Avx512F.PermuteVar16x32x2(p1, InterleaveHigh, p3);
                        var y0v = Avx512F.PermuteVar16x32x2(lo02, InterleaveLow, lo13);
                        var y1v = Avx512F.PermuteVar16x32x2(lo02, InterleaveHigh, lo13);
                        var y2v = Avx512F.PermuteVar16x32x2(hi02, InterleaveLow, hi13);
                        var y3v = Avx512F.PermuteVar16x32x2(hi02, InterleaveHigh, hi13);
                        float* d = dst + (4 * tx);
                        int left = ow - (4 * tx);
                        if (left >= 64)
                        {
                            y0v.Store(d);
                            y1v.Store(d + 16);
                            y2v.Store(d + 32);
                            y3v.Store(d + 48);
                        }
                        else
                        {
                            var n = Vector512.Create((float)left);
                            Avx512F.MaskStore(d, Vector512.LessThan(Lanes, n), y0v);
                            Avx512F.MaskStore(d + 16, Vector512.LessThan(Lanes + Sixteen, n), y1v);
                            Avx512F.MaskStore(d + 32, Vector512.LessThan(Lanes + (2 * Sixteen), n), y2v);
                            Avx512F.MaskStore(d + 48, Vector512.LessThan(Lanes + (3 * Sixteen), n), y3v);
                        }
                    }
                }
            }
        }
    }

    private static readonly Vector512<float> Lanes = Vector512.Create(0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    private static readonly Vector512<float> Sixteen = Vector512.Create(16f);

    /// <summary><see cref="AT"/> on sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT512(Vector512<float> m0, Vector512<float> m1, Vector512<float> m2, Vector512<float> m3, Vector512<float> m4, Vector512<float> m5, float* y, long ys, Vector512<float> add, ActivationKind kind, Vector512<float> ap, Vector512<float> aq)
    {
        var a = m1 + m2;
        var b = m1 - m2;
        var c = m3 + m4;
        var e = m3 - m4;
        var y0 = m0 + a + c + add;
        var y1 = b + (e * 2f) + add;
        var y2 = a + (c * 4f) + add;
        var y3 = b + (e * 8f) + m5 + add;
        if (kind != ActivationKind.None)
        {
            y0 = FusedActivation.Apply(y0, kind, ap, aq);
            y1 = FusedActivation.Apply(y1, kind, ap, aq);
            y2 = FusedActivation.Apply(y2, kind, ap, aq);
            y3 = FusedActivation.Apply(y3, kind, ap, aq);
        }

        y0.Store(y);
        y1.Store(y + ys);
        y2.Store(y + (2 * ys));
        y3.Store(y + (3 * ys));
    }

    private static readonly Vector512<int> Even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> Odd = Even + Vector512<int>.One;
    private static readonly Vector512<int> NextTile0 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    private static readonly Vector512<int> NextTile1 = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17);
    private static readonly Vector512<int> InterleaveLow = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static readonly Vector512<int> InterleaveHigh = InterleaveLow + Vector512.Create(8);

    /// <summary>Bᵀ of F(4×4, 3×3) on six vectors, the results stored at <c>y + i·ys</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT(Vector256<float> d0, Vector256<float> d1, Vector256<float> d2, Vector256<float> d3, Vector256<float> d4, Vector256<float> d5, float* y, long ys)
    {
        var four = Vector256.Create(4f);
        var five = Vector256.Create(5f);
        var d42 = d4 - d2;
        (((four * d0) - (five * d2)) + d4).Store(y);
        (d3 + d4 - (four * (d1 + d2))).Store(y + ys);
        ((four * (d1 - d2)) - d3 + d4).Store(y + (2 * ys));
        (d42 + ((d3 - d1) * 2f)).Store(y + (3 * ys));
        (d42 + ((d1 - d3) * 2f)).Store(y + (4 * ys));
        ((four * d1) - (five * d3) + d5).Store(y + (5 * ys));
    }

    /// <summary><see cref="BT"/> on sixteen lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BT512(Vector512<float> d0, Vector512<float> d1, Vector512<float> d2, Vector512<float> d3, Vector512<float> d4, Vector512<float> d5, float* y, long ys)
    {
        var four = Vector512.Create(4f);
        var five = Vector512.Create(5f);
        var d42 = d4 - d2;
        (((four * d0) - (five * d2)) + d4).Store(y);
        (d3 + d4 - (four * (d1 + d2))).Store(y + ys);
        ((four * (d1 - d2)) - d3 + d4).Store(y + (2 * ys));
        (d42 + ((d3 - d1) * 2f)).Store(y + (3 * ys));
        (d42 + ((d1 - d3) * 2f)).Store(y + (4 * ys));
        ((four * d1) - (five * d3) + d5).Store(y + (5 * ys));
    }

    /// <summary>Aᵀ of F(4×4, 3×3) on six vectors plus <paramref name="add"/>, the four results stored at <c>y + i·ys</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AT(Vector256<float> m0, Vector256<float> m1, Vector256<float> m2, Vector256<float> m3, Vector256<float> m4, Vector256<float> m5, float* y, long ys, Vector256<float> add, ActivationKind kind, Vector256<float> ap, Vector256<float> aq)
    {
        var a = m1 + m2;
        var b = m1 - m2;
        var c = m3 + m4;
        var e = m3 - m4;
        var y0 = m0 + a + c + add;
        var y1 = b + (e * 2f) + add;
        var y2 = a + (c * 4f) + add;
        var y3 = b + (e * 8f) + m5 + add;
        if (kind != ActivationKind.None)
        {
            // The fused activation on the finished outputs (the same lane-wise operations as the standalone kernels).
            y0 = FusedActivation.Apply(y0, kind, ap, aq);
            y1 = FusedActivation.Apply(y1, kind, ap, aq);
            y2 = FusedActivation.Apply(y2, kind, ap, aq);
            y3 = FusedActivation.Apply(y3, kind, ap, aq);
        }

        y0.Store(y);
        y1.Store(y + ys);
        y2.Store(y + (2 * ys));
        y3.Store(y + (3 * ys));
    }
}
