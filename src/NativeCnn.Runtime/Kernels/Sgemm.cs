using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>The SIMD tier a kernel is built for; chosen once, when the plan is built.</summary>
public enum KernelIsa
{
    /// <summary>No SIMD (<c>DOTNET_EnableHWIntrinsic=0</c>, or no AVX2): plain scalar loops.</summary>
    Scalar,

    /// <summary>256-bit vectors with FMA (AVX2).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512F).</summary>
    Vector512,
}

/// <summary>Which tier this process runs (the DOTNET_Enable* switches decide it).</summary>
public static class KernelIsaSupport
{
    public static KernelIsa Best =>
        Vector512.IsHardwareAccelerated ? KernelIsa.Vector512
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? KernelIsa.Vector256
        : KernelIsa.Scalar;
}

/// <summary>
/// A register-blocked SGEMM micro-kernel: <c>C[0..MR, 0..NR] = init + Apanel[kc][MR]ᵀ · B[kc][NR]</c>, where init is
/// C itself when <c>init</c> is null, else row i starts at <c>init[i]</c>; B rows are <c>ldb</c> apart (NR when packed).
/// </summary>
internal unsafe interface ISgemmMicroKernel
{
    static abstract int MR { get; }

    static abstract int NR { get; }

    /// <param name="act">Activation applied to the tile in registers before it is stored (none: <c>default</c>).</param>
    static abstract void Run(int kc, float* a, float* b, long ldb, float* c, long ldc, float* init, FusedActivation act);
}

/// <summary>
/// Where the B operand of a packed SGEMM comes from: <see cref="Pack"/> writes columns <c>[n0, n1)</c> of rows
/// <c>[k0, k0 + kc)</c> as panels of <c>nr</c> columns: <c>dst[jr·kc·nr + q·nr + j] = B[k0 + q, n0 + jr·nr + j]</c>,
/// zero for columns at or past n1.
/// </summary>
internal unsafe interface ISgemmPanelSource
{
    /// <summary>
    /// End of the columns in <c>[n0, n1)</c> whose panels the micro-kernel can read in place (see <see cref="Panel"/>);
    /// the rest, <c>[DirectEnd, n1)</c>, is packed. n0 when nothing is readable in place.
    /// </summary>
    int DirectEnd(int n0, int n1, int nr);

    /// <summary>The in-place panel of columns <c>[n, n + nr)</c>, rows <c>[k0, k0 + kc)</c>, its rows <c>ldb</c> apart.</summary>
    float* Panel(int k0, int kc, int n, int nr, out long ldb);

    void Pack(int k0, int kc, int n0, int n1, int nr, float* dst);
}

/// <summary>Writes a run of B's row q into consecutive panel columns, moving to the next panel at each nr boundary.</summary>
internal unsafe struct PanelCursor(float* first, int panelStride, int nr)
{
    private float* _row = first;
    private int _col;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Put(float v)
    {
        _row[_col] = v;
        if (++_col == nr)
        {
            _col = 0;
            _row += panelStride;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zero(int len) => Copy(null, len);

    /// <summary>Copies <paramref name="len"/> floats from <paramref name="src"/> (zeros when null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Copy(float* src, int len)
    {
        while (len > 0)
        {
            int take = Math.Min(len, nr - _col);
            float* d = _row + _col;
            if (src == null)
            {
                Floats.Clear(d, take);
            }
            else
            {
                Floats.Copy(src, d, take);
                src += take;
            }

            len -= take;
            _col += take;
            if (_col == nr)
            {
                _col = 0;
                _row += panelStride;
            }
        }
    }

    /// <summary>Copies <c>src[t·stride]</c> for <c>t &lt; len</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gather(float* src, int stride, int len)
    {
        while (len > 0)
        {
            int take = Math.Min(len, nr - _col);
            float* d = _row + _col;
            for (int t = 0; t < take; t++, src += stride)
            {
                d[t] = *src;
            }

            len -= take;
            _col += take;
            if (_col == nr)
            {
                _col = 0;
                _row += panelStride;
            }
        }
    }

    /// <summary>Zeros the rest of the current panel row (the columns past n1 in the last panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ZeroTail()
    {
        if (_col > 0)
        {
            Floats.Clear(_row + _col, nr - _col);
        }
    }
}

/// <summary>Short copies and clears without a call into memmove (runs here are 1 to a few hundred floats).</summary>
internal static unsafe class Floats
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Copy(float* src, float* dst, int len)
    {
        if (Vector256.IsHardwareAccelerated && len >= 8)
        {
            int i = 0;
            for (; i <= len - 8; i += 8)
            {
                Vector256.Load(src + i).Store(dst + i);
            }

            if (i < len)
            {
                Vector256.Load(src + len - 8).Store(dst + len - 8);   // overlapping last vector
            }

            return;
        }

        for (int i = 0; i < len; i++)
        {
            dst[i] = src[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Clear(float* dst, int len)
    {
        if (Vector256.IsHardwareAccelerated && len >= 8)
        {
            int i = 0;
            for (; i <= len - 8; i += 8)
            {
                Vector256<float>.Zero.Store(dst + i);
            }

            if (i < len)
            {
                Vector256<float>.Zero.Store(dst + len - 8);
            }

            return;
        }

        for (int i = 0; i < len; i++)
        {
            dst[i] = 0f;
        }
    }
}

/// <summary>B stored row-major: <c>B[k, n] = b[k·ld + n]</c> (a 1×1 conv's input plane stack, a Gemm's B).</summary>
internal readonly unsafe struct DenseRowsPanelSource(float* b, long ld) : ISgemmPanelSource
{
    /// <summary>Whole panels are read in place; a ragged last one is packed (zero-padded).</summary>
    public int DirectEnd(int n0, int n1, int nr) => n0 + ((n1 - n0) / nr * nr);

    public float* Panel(int k0, int kc, int n, int nr, out long ldb)
    {
        ldb = ld;
        return b + (k0 * ld) + n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int k0, int kc, int n0, int n1, int nr, float* dst)
    {
        for (int q = 0; q < kc; q++)
        {
            var cursor = new PanelCursor(dst + (q * nr), kc * nr, nr);
            cursor.Copy(b + ((k0 + q) * ld) + n0, n1 - n0);
            cursor.ZeroTail();
        }
    }
}

/// <summary>B stored column-major (a transposed matrix): <c>B[k, n] = b[n·ld + k]</c>.</summary>
internal readonly unsafe struct DenseColumnsPanelSource(float* b, long ld) : ISgemmPanelSource
{
    public int DirectEnd(int n0, int n1, int nr) => n0;

    public float* Panel(int k0, int kc, int n, int nr, out long ldb) => throw new InvalidOperationException();

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Pack(int k0, int kc, int n0, int n1, int nr, float* dst)
    {
        for (int q = 0; q < kc; q++)
        {
            var cursor = new PanelCursor(dst + (q * nr), kc * nr, nr);
            for (int n = n0; n < n1; n++)
            {
                cursor.Put(b[(n * ld) + k0 + q]);
            }

            cursor.ZeroTail();
        }
    }
}

/// <summary>
/// B packed once at plan time (constant weights of a dense layer) in exactly the per-call panel layout: an
/// <see cref="SgemmPackedA"/> of Bᵀ with NR-row panels is, block by block, <c>[jr][kc][NR]</c>.
/// </summary>
internal readonly unsafe struct PrepackedPanelSource(SgemmPackedA packed) : ISgemmPanelSource
{
    public int DirectEnd(int n0, int n1, int nr) => n1;

    public float* Panel(int k0, int kc, int n, int nr, out long ldb)
    {
        ldb = nr;
        return packed.Panel(k0, kc, n / nr);
    }

    public void Pack(int k0, int kc, int n0, int n1, int nr, float* dst) => throw new InvalidOperationException();
}

/// <summary>
/// Float buffer with a 64-byte-aligned pointer, allocated once (at plan time) on the pinned object heap, so it
/// needs no disposal and never moves.
/// </summary>
internal sealed unsafe class AlignedFloats
{
    private readonly float[] _array;

    public AlignedFloats(long length)
    {
        _array = GC.AllocateArray<float>(checked((int)(length + 16)), pinned: true);
        nint p = (nint)Unsafe.AsPointer(ref _array[0]);
        Pointer = (float*)((p + 63) & ~(nint)63);
        Length = length;
    }

    public float* Pointer { get; }

    public long Length { get; }

    /// <summary>Bytes of the array behind the buffer: <see cref="Length"/> floats and the alignment slack.</summary>
    public long AllocatedBytes => _array.LongLength * sizeof(float);
}

/// <summary>
/// A (M×K) packed for a micro-kernel with <c>MR</c> rows: K in blocks of <c>KC</c>; block <c>k0</c> holds, for
/// each panel of MR rows, <c>[kc][MR]</c> (rows past M are zero). Built once at plan time for weights.
/// </summary>
internal sealed unsafe class SgemmPackedA
{
    private readonly ScratchFloats _data;           // its own buffer for packed weights; shared scratch when filled per call

    private SgemmPackedA(int m, int k, int mr, int kcBlock, bool scratch)
    {
        M = m;
        K = k;
        MR = mr;
        KC = kcBlock;
        Panels = (m + mr - 1) / mr;
        _data = scratch ? ScratchFloats.Reserve((long)Panels * mr * k) : ScratchFloats.Owned((long)Panels * mr * k);
    }

    public int M { get; }

    public int K { get; }

    public int MR { get; }

    public int KC { get; }

    public int Panels { get; }

    /// <summary>The buffer (its owner reports it to <see cref="Planning.OwnedMemory"/> as weights or scratch).</summary>
    public ScratchFloats Storage => _data;

    /// <summary>Packs <c>A[i, q] = a[i·rowStride + q·colStride]</c>.</summary>
    public static SgemmPackedA Pack(int mr, int kcBlock, int m, int k, float* a, long rowStride, long colStride)
    {
        var p = new SgemmPackedA(m, k, mr, kcBlock, scratch: false);
        p.Fill(a, rowStride, colStride);
        return p;
    }

    /// <summary>
    /// An empty packed matrix to <see cref="Fill"/> at run time (activations as the A operand): scratch (the plan's
    /// shared block when built in a planner step), so it must be filled in the call that reads it.
    /// </summary>
    public static SgemmPackedA Allocate(int mr, int kcBlock, int m, int k) => new(m, k, mr, kcBlock, scratch: true);

    /// <summary>(Re)packs <c>A[i, q] = a[i·rowStride + q·colStride]</c> into this buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill(float* a, long rowStride, long colStride) => FillPanels(a, rowStride, colStride, 0, Panels);

    /// <summary><see cref="Fill"/> of row panels <c>[ir0, ir1)</c> only (every K block): disjoint ranges may be filled concurrently.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillPanels(float* a, long rowStride, long colStride, int ir0, int ir1)
    {
        int mr = MR;
        float* data = Data;
        for (int k0 = 0; k0 < K; k0 += KC)
        {
            int kc = Math.Min(KC, K - k0);
            for (int ir = ir0; ir < ir1; ir++)
            {
                float* dst = Panel(data, k0, kc, ir);
                int rows = Math.Min(mr, M - (ir * mr));
                for (int r = 0; r < mr; r++)
                {
                    float* src = a + (((long)ir * mr) + r) * rowStride + (k0 * colStride);
                    for (int q = 0; q < kc; q++)
                    {
                        dst[(q * mr) + r] = r < rows ? src[q * colStride] : 0f;
                    }
                }
            }
        }
    }

    /// <summary>The <c>[kc][MR]</c> panel of rows <c>ir·MR…</c> in the K block starting at <c>k0</c>.</summary>
    public float* Panel(int k0, int kc, int ir) => Panel(_data.Pointer, k0, kc, ir);

    /// <summary>The packed data (resolve once per call: scratch lives in the plan's shared block).</summary>
    public float* Data => _data.Pointer;

    /// <summary><see cref="Panel(int, int, int)"/> from <see cref="Data"/> resolved by the caller.</summary>
    public float* Panel(float* data, int k0, int kc, int ir) => data + ((long)k0 * Panels * MR) + ((long)ir * MR * kc);
}

/// <summary>
/// How an SGEMM of a given shape is cut into work items, fixed by the shape alone (never by the thread count),
/// so each element of C is computed by one item, in one k order, whatever the number of threads.
/// An item is a block of <see cref="MChunkPanels"/> row panels × <see cref="NChunkPanels"/> column panels.
/// </summary>
internal sealed record SgemmPartition(int M, int N, int K, int MR, int NR, int KC, int MChunkPanels, int NChunkPanels)
{
    /// <summary>Work items a GEMM is cut into when it can be (enough for two busy cores and some balance).</summary>
    public const int TargetItems = 8;

    /// <summary>Most columns of packed B per item: KC·cols floats must stay well inside L2.</summary>
    public const int MaxChunkBytes = 384 * 1024;

    public int MPanels => (M + MR - 1) / MR;

    public int NPanels => (N + NR - 1) / NR;

    public int MChunks => (MPanels + MChunkPanels - 1) / MChunkPanels;

    public int NChunks => (NPanels + NChunkPanels - 1) / NChunkPanels;

    public int Items => MChunks * NChunks;

    /// <summary>Floats of packed-B scratch one worker needs (a K block is at most K rows).</summary>
    public long ScratchPerWorker => (long)Math.Min(KC, Math.Max(K, 1)) * NChunkPanels * NR;

    /// <param name="chunkKc">
    /// The K block the bound on an item's columns is computed with (<see cref="MaxChunkBytes"/>): <paramref name="kc"/>
    /// by default; the packed-B block when B is read in place with a longer K block, so the items stay cut the same.
    /// </param>
    public static SgemmPartition Create(int m, int n, int k, int mr, int nr, int kc, int chunkKc = 0)
    {
        int mPanels = (m + mr - 1) / mr, nPanels = (n + nr - 1) / nr;
        int maxN = Math.Max(1, MaxChunkBytes / (sizeof(float) * (chunkKc > 0 ? chunkKc : kc) * nr));
        int nChunk = Math.Clamp((nPanels + TargetItems - 1) / TargetItems, 1, maxN);
        int nChunks = (nPanels + nChunk - 1) / nChunk;
        int mChunks = Math.Clamp((TargetItems + nChunks - 1) / nChunks, 1, mPanels);
        int mChunk = (mPanels + mChunks - 1) / mChunks;
        return new SgemmPartition(m, n, k, mr, nr, kc, mChunk, nChunk);
    }
}

/// <summary>
/// Packed SGEMM driver: <c>C[i, j] = bias[i] + Σ_k A[i,k] · B[k,j]</c> (C row-major with row stride ldc), A packed
/// at plan time (<see cref="SgemmPackedA"/>), B packed per call panel by panel from <typeparamref name="TSource"/>
/// into per-worker scratch reserved at plan time (<see cref="ScratchFloats"/>: the plan's shared block). Loop order per work item (GotoBLAS): K blocks of KC; pack
/// the item's B panels; for each B panel (kept in L1) run the micro-kernel over the item's A panels (in L2); at K ≤ <see cref="RowMajorMaxK"/> for each A panel over the item's B panels instead.
/// C starts as the bias and each K block adds to it, so every element is summed in ascending k order.
/// One instance per call site; not re-entrant (set the operands, then <see cref="Run"/>).
/// </summary>
internal sealed unsafe class SgemmPacked<TMicro, TSource> : ISgemm<TSource>
    where TMicro : ISgemmMicroKernel
    where TSource : struct, ISgemmPanelSource
{
    private readonly ScratchFloats _scratch;
    private readonly ScratchFloats? _sharedB;      // all of B packed once per call when M is split into chunks
    private readonly int[] _blockPacked;            // per K block of the shared B: 1 once packed (this call)
    private bool _useSharedB;
    private int _sharedFrom;                        // first column of the shared B packed (the ones before are read in place)
    private int _nextBlock;
    private Exception? _packFailure;                // set once a worker failed while packing a shared B block (this call)
    private readonly Action<int> _worker;
    private readonly int _workers;
    private SgemmPackedA? _a;
    private TSource _source;
    private float* _bias;
    private float* _c;
    private long _ldc;
    private FusedActivation _epilogue;
    private TwoEndedItems _items;

    public SgemmPacked(int m, int n, int k, int threads)
    {
        Partition = SgemmPartition.Create(m, n, k, TMicro.MR, TMicro.NR, KcBlock, chunkKc: PackedKcBlock);
        _workers = Math.Max(1, Math.Min(threads, Partition.Items));
        _scratch = ScratchFloats.Reserve(Partition.ScratchPerWorker * _workers);
        _worker = Worker;
        _blockPacked = [];
        if (Partition.MChunks > 1 && typeof(TSource) != typeof(PrepackedPanelSource))   // prepacked B is read in place
        {
            // Several row chunks would each pack the same B columns: pack B once, shared (small N: 7×7, 14×14 planes).
            _sharedB = ScratchFloats.Reserve((long)k * Partition.NPanels * TMicro.NR);
            _blockPacked = new int[Math.Max(1, (k + KcBlock - 1) / KcBlock)];
        }
    }

    /// <summary>The per-worker B panels, the shared B and its per-call block flags: scratch. The A operand of the last call is its caller's.</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Scratch(_scratch);
        memory.Scratch(_sharedB);
        memory.Scratch(_blockPacked);
    }

    /// <summary>
    /// Up to this K an item runs its tiles row panel by row panel (each A panel across the item's columns) instead of
    /// column panel by column panel: a tile's FMAs are then too few to hide its stores, and this order writes MR rows of
    /// C at a time, each as one contiguous run, instead of every row of the item a tile-width at a time (the item's B
    /// panels, K·NR floats each, stay in L1 for the repeated reads). SqueezeNet's 16→64 1×1 expands at 55², one core,
    /// 4 A/B rounds: 0.058 → 0.048 and 0.052 → 0.044 ms. At K = 32 and 64 the order did not pay (27² planes lost).
    /// </summary>
    private const int RowMajorMaxK = 16;

    /// <summary>
    /// K block: a KC×NR panel of packed B (≤ 24 KiB) stays in L1 while the A panels stream past it. B read in place
    /// from dense rows (1×1 convs: X itself) is not packed, and there the 48-wide tile takes K in blocks of 512: each
    /// K block past the first stores and reloads the C tile, and an edge tile (N = 169: 25 columns) goes through the
    /// local tile copy once more; the in-place B panel (512·48 floats) is then read from L2, which measured cheaper.
    /// One core, A/B in the same minutes (medians of 5-6 rounds): SqueezeNet conv25 (512→1000 at 13²) 0.823 → 0.757 ms,
    /// 512→64 0.063 → 0.057, sum of steps 4.19 → 4.01; Tiny Darknet 512→128 at 14² 0.155 → 0.141, 256→64 0.055 → 0.043
    /// (KC 256 was in between). C is the running sum either way (stored and reloaded exactly), so results do not change.
    /// </summary>
    public static int KcBlock => TMicro.NR >= 48 && typeof(TSource) == typeof(DenseRowsPanelSource) ? 512 : PackedKcBlock;

    /// <summary>K block of packed B: 128 for the 48-wide tile, 256 for narrower ones.</summary>
    private static int PackedKcBlock => TMicro.NR >= 48 ? 128 : 256;

    public SgemmPartition Partition { get; }

    /// <summary>Applied by the micro-kernel to each tile of C after its last K block, in registers before the store (none by default).</summary>
    public FusedActivation Epilogue
    {
        get => _epilogue;
        set => _epilogue = value;
    }

    public static SgemmPackedA PackA(int m, int k, float* a, long rowStride, long colStride) =>
        SgemmPackedA.Pack(TMicro.MR, KcBlock, m, k, a, rowStride, colStride);

    public SgemmPackedA PackWeights(int m, int k, float* a, long rowStride, long colStride) => PackA(m, k, a, rowStride, colStride);

    public SgemmPackedA AllocateA(int m, int k) => SgemmPackedA.Allocate(TMicro.MR, KcBlock, m, k);

    public SgemmPackedA PackB(int k, int n, float* b, long kStride, long nStride) =>
        SgemmPackedA.Pack(TMicro.NR, KcBlock, n, k, b, nStride, kStride);

    public SgemmPackedA AllocateB(int k, int n) => SgemmPackedA.Allocate(TMicro.NR, KcBlock, n, k);

    public void Run(SgemmPackedA a, in TSource source, float* bias, float* c, long ldc)
    {
        _a = a;
        _source = source;
        _bias = bias;
        _c = c;
        _ldc = ldc;
        _items.Reset(Partition.Items);
        _nextBlock = 0;
        _packFailure = null;
        // The panels the source offers in place are read in place; only the rest is packed, once, shared.
        _sharedFrom = _source.DirectEnd(0, Partition.N, TMicro.NR);
        _useSharedB = _sharedB is not null && _sharedFrom < Partition.N;
        if (_useSharedB)
        {
            Array.Clear(_blockPacked);
        }

        if (_workers == 1)
        {
            Worker(0);
        }
        else
        {
            try
            {
                ComputeThreads.Run(_worker, _workers);
            }
            catch (Exception) when (_packFailure is { } packFailure)
            {
                // A worker that gave up waiting for the failed block must not hide the packer's error.
                _a = null;
                ExceptionDispatchInfo.Capture(packFailure).Throw();
            }
        }

        _a = null;
    }

    /// <summary>
    /// Each worker first takes K blocks of the shared B to pack (a copy: any worker may take any block), then
    /// GEMM items; an item waits at a K block another worker is still packing (<see cref="WaitPacked"/>). One
    /// round of the helper threads per call instead of a packing round and a GEMM round.
    /// </summary>
    private void Worker(int w)
    {
        float* scratch = _scratch.Pointer + (w * Partition.ScratchPerWorker);
        if (_useSharedB)
        {
            var p = Partition;
            int nr = TMicro.NR, blocks = (p.K + p.KC - 1) / p.KC;
            int block;
            while ((block = Interlocked.Increment(ref _nextBlock) - 1) < blocks)
            {
                int k0 = block * p.KC, kc = Math.Min(p.KC, p.K - k0);
                try
                {
                    _source.Pack(k0, kc, _sharedFrom, p.N, nr, _sharedB!.Pointer + ((long)k0 * p.NPanels * nr) + ((long)_sharedFrom / nr * kc * nr));
                }
                catch (Exception e)
                {
                    // The block will never be marked packed: release the workers waiting for it (WaitPacked).
                    Volatile.Write(ref _packFailure, e);
                    throw;
                }

                Volatile.Write(ref _blockPacked[block], 1);
            }
        }

        while (_items.TryTake(w, out int item))
        {
            RunItem(item, scratch);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RunItem(int item, float* bp)
    {
        var p = Partition;
        var a = _a!;
        float* aData = a.Data;
        int mr = TMicro.MR, nr = TMicro.NR;
        // Items run column chunk by column chunk, so the two ends of the items (TwoEndedItems) are the low and the
        // high columns: on a conv, the first and the last part of the image, as in the layers before and after.
        int i0 = item % p.MChunks * p.MChunkPanels, i1 = Math.Min(p.MPanels, i0 + p.MChunkPanels);
        int n0 = item / p.MChunks * p.NChunkPanels * nr, n1 = Math.Min(p.N, n0 + (p.NChunkPanels * nr));
        float* tile = stackalloc float[mr * nr];
        float* init = stackalloc float[mr];     // row start values of an edge tile (bias, zero past M)
        float* zeros = stackalloc float[mr];
        new Span<float>(zeros, mr).Clear();

        // Panels the source offers in place (dense rows, plan-time packed weights) are not copied.
        int fullEnd = _useSharedB ? Math.Clamp(_sharedFrom, n0, n1) : _source.DirectEnd(n0, n1, nr);
        for (int k0 = 0; k0 < p.K; k0 += p.KC)
        {
            int kc = Math.Min(p.KC, p.K - k0);
            bool last = k0 + kc >= p.K;
            if (_useSharedB)
            {
                WaitPacked(k0 / p.KC);
                bp = _sharedB!.Pointer + ((long)k0 * p.NPanels * nr) + ((long)n0 / nr * kc * nr);
            }
            else if (fullEnd < n1)
            {
                _source.Pack(k0, kc, fullEnd, n1, nr, bp + ((long)(fullEnd - n0) / nr * kc * nr));
            }

            int nPanels = (n1 - n0 + nr - 1) / nr, mPanels = i1 - i0;
            bool rowMajor = p.K <= RowMajorMaxK;
            for (int tileIx = 0, tiles = nPanels * mPanels; tileIx < tiles; tileIx++)
            {
                int n, ir;
                if (rowMajor)
                {
                    ir = i0 + (tileIx / nPanels);
                    n = n0 + (tileIx % nPanels * nr);
                }
                else
                {
                    n = n0 + (tileIx / mPanels * nr);
                    ir = i0 + (tileIx % mPanels);
                }

                int cols = Math.Min(nr, n1 - n);
                float* bPanel;
                long ldb;
                if (n < fullEnd)
                {
                    bPanel = _source.Panel(k0, kc, n, nr, out ldb);
                }
                else
                {
                    bPanel = bp + ((long)(n - n0) / nr * kc * nr);
                    ldb = nr;
                }

                {
                    int row0 = ir * mr, rows = Math.Min(mr, p.M - row0);
                    float* ct = _c + ((long)row0 * _ldc) + n;
                    float* ap = a.Panel(aData, k0, kc, ir);
                    if (rows == mr && cols == nr)
                    {
                        TMicro.Run(kc, ap, bPanel, ldb, ct, _ldc, k0 > 0 ? null : _bias == null ? zeros : _bias + row0, last ? _epilogue : default);
                    }
                    else
                    {
                        // Edge tile: run the full-size micro-kernel on a local tile, then copy the valid part.
                        float* start = null;
                        if (k0 == 0)
                        {
                            for (int r = 0; r < mr; r++)
                            {
                                init[r] = _bias != null && r < rows ? _bias[row0 + r] : 0f;
                            }

                            start = init;
                        }
                        else
                        {
                            Copy(ct, _ldc, tile, nr, rows, cols);
                        }

                        if (SgemmNarrowAvx512.Takes<TMicro>(cols))
                        {
                            // A ragged last column panel: only its 16 or 32 leading columns are computed.
                            SgemmNarrowAvx512.Run(mr, cols, kc, ap, bPanel, ldb, tile, nr, start);
                            if (last)
                            {
                                for (int r = 0; r < rows; r++)
                                {
                                    _epilogue.Apply(tile + (r * nr), cols);
                                }
                            }
                        }
                        else
                        {
                            TMicro.Run(kc, ap, bPanel, ldb, tile, nr, start, last ? _epilogue : default);
                        }

                        Copy(tile, nr, ct, _ldc, rows, cols);
                    }
                }
            }
        }

        if (p.K == 0)
        {
            for (int ir = i0; ir < i1; ir++)
            {
                int row0 = ir * mr;
                for (int r = 0; r < Math.Min(mr, p.M - row0); r++)
                {
                    new Span<float>(_c + ((row0 + r) * _ldc) + n0, n1 - n0).Fill(_bias == null ? 0f : _bias[row0 + r]);
                    _epilogue.Apply(_c + ((row0 + r) * _ldc) + n0, n1 - n0);
                }
            }
        }
    }

    /// <summary>
    /// Spins until K block <paramref name="block"/> of the shared B is packed (claimed blocks are being packed by a
    /// running worker). Gives up with an error when a worker failed while packing: that block would never be marked
    /// packed, and waiting for it would hang the run (the packer's own exception is the one the caller sees).
    /// </summary>
    private void WaitPacked(int block)
    {
        if (Volatile.Read(ref _blockPacked[block]) != 0)
        {
            return;
        }

        var spin = new SpinWait();
        while (Volatile.Read(ref _blockPacked[block]) == 0)
        {
            if (Volatile.Read(ref _packFailure) is not null)
            {
                throw new InvalidOperationException($"SGEMM {Partition.M}×{Partition.N}×{Partition.K}: another worker failed while packing the shared B, K block {block} is missing");
            }

            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Copy(float* src, long lds, float* dst, long ldd, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<float>(src + (r * lds), cols).CopyTo(new Span<float>(dst + (r * ldd), cols));
        }
    }
}

/// <summary>A packed SGEMM of fixed shape with its micro-kernel chosen (see <see cref="SgemmPacked{TMicro, TSource}"/>).</summary>
internal unsafe interface ISgemm<TSource> : ISgemmPackA, IOwnedMemory where TSource : struct, ISgemmPanelSource
{
    SgemmPartition Partition { get; }

    /// <summary>Activation applied to each finished tile of C (set at plan time; none by default).</summary>
    FusedActivation Epilogue { get; set; }

    void Run(SgemmPackedA a, in TSource source, float* bias, float* c, long ldc);
}

/// <summary>Packs the A operand (weights) for a packed SGEMM's micro-kernel.</summary>
internal unsafe interface ISgemmPackA
{
    /// <summary>Packs A (M×K, <c>A[i, q] = a[i·rowStride + q·colStride]</c>).</summary>
    SgemmPackedA PackWeights(int m, int k, float* a, long rowStride, long colStride);

    /// <summary>An A buffer of this kernel's layout, filled per call (<see cref="SgemmPackedA.Fill"/>).</summary>
    SgemmPackedA AllocateA(int m, int k);

    /// <summary>Packs a constant B (K×N, <c>B[q, j] = b[q·kStride + j·nStride]</c>) for <see cref="PrepackedPanelSource"/>.</summary>
    SgemmPackedA PackB(int k, int n, float* b, long kStride, long nStride);

    /// <summary>A <see cref="PackB"/> buffer (scratch) to fill per call: <c>Fill(b, nStride, kStride)</c>.</summary>
    SgemmPackedA AllocateB(int k, int n);
}

/// <summary>
/// Packs constant weights into a scratch <see cref="SgemmPackedA"/> at the start of each call
/// (<see cref="Planning.PlanOptions.LowMemory"/>: the plan keeps no packed copy; the original weight tensor, which the
/// kernel references so it stays alive and pinned, is read instead). Work items are runs of row panels, fixed by the
/// shape; each packed float is a plain copy, so the bytes are those of the plan-time <see cref="SgemmPackedA.Pack"/>.
/// </summary>
internal sealed unsafe class PerCallWeightPack : IOwnedMemory
{
    private const int TargetItems = 8;

    private readonly SgemmPackedA _packed;
    private readonly int _threads, _chunk, _items;
    private readonly WorkQueue _queue;
    private float* _a;
    private long _rowStride, _colStride;

    public PerCallWeightPack(SgemmPackedA packed, int threads)
    {
        _packed = packed;
        _threads = Math.Max(1, threads);
        _chunk = Math.Max(1, (packed.Panels + TargetItems - 1) / TargetItems);
        _items = (packed.Panels + _chunk - 1) / _chunk;
        _queue = new WorkQueue(Item);
    }

    public SgemmPackedA Packed => _packed;

    /// <summary>The packed weights are refilled every call: scratch (a slice of the shared block in a plan).</summary>
    public void ReportMemory(OwnedMemory memory) => memory.Scratch(_packed);

    /// <summary>Packs <c>A[i, q] = a[i·rowStride + q·colStride]</c> into the scratch buffer (call it in the call that reads it).</summary>
    public void Fill(float* a, long rowStride, long colStride)
    {
        _a = a;
        _rowStride = rowStride;
        _colStride = colStride;
        _queue.Run(_items, _threads);
        _a = null;
    }

    private void Item(int item, int worker) =>
        _packed.FillPanels(_a, _rowStride, _colStride, item * _chunk, Math.Min(_packed.Panels, (item + 1) * _chunk));
}

/// <summary>Chooses the SGEMM micro-kernel for an ISA tier and a shape (once, at plan time).</summary>
internal static class SgemmFactory
{
    public static ISgemm<TSource> Create<TSource>(KernelIsa isa, int m, int n, int k, int threads)
        where TSource : struct, ISgemmPanelSource => Create<TSource>(Name(isa, m, n), m, n, k, threads);

    /// <summary>Every SGEMM kernel that runs on the tier (the tests sweep all of them).</summary>
    public static string[] KernelsFor(KernelIsa isa) => isa switch
    {
        KernelIsa.Vector512 => ["SgemmPackedAvx512_8x48", "SgemmPackedAvx512_14x32", "SgemmPackedAvx2_6x16", "SgemmPackedScalar_4x4"],
        KernelIsa.Vector256 => ["SgemmPackedAvx2_6x16", "SgemmPackedScalar_4x4"],
        _ => ["SgemmPackedScalar_4x4"],
    };

    public static ISgemm<TSource> Create<TSource>(string name, int m, int n, int k, int threads)
        where TSource : struct, ISgemmPanelSource => name switch
        {
            "SgemmPackedAvx512_8x48" => new SgemmPacked<SgemmMicroAvx512_8x48, TSource>(m, n, k, threads),
            "SgemmPackedAvx512_14x32" => new SgemmPacked<SgemmMicroAvx512_14x32, TSource>(m, n, k, threads),
            "SgemmPackedAvx2_6x16" => new SgemmPacked<SgemmMicroAvx2_6x16, TSource>(m, n, k, threads),
            "SgemmPackedScalar_4x4" => new SgemmPacked<SgemmMicroScalar_4x4, TSource>(m, n, k, threads),
            _ => throw new ArgumentException($"no SGEMM kernel named {name}", nameof(name)),
        };

    /// <summary>
    /// The kernel for the tier and shape. On AVX-512 both tiles run at about the same speed on full tiles
    /// (8×48 a few % ahead on 56×56 planes), so the one that pads the C matrix less wins: 14×32 on 7×7 and 14×14
    /// planes (N = 49, 196), 8×48 on large planes.
    /// </summary>
    public static string Name(KernelIsa isa, int m = 64, int n = 3136) => isa switch
    {
        KernelIsa.Vector512 => Padded(m, n, 8, 48) <= Padded(m, n, 14, 32) * 1.02 ? "SgemmPackedAvx512_8x48" : "SgemmPackedAvx512_14x32",
        KernelIsa.Vector256 => "SgemmPackedAvx2_6x16",
        _ => "SgemmPackedScalar_4x4",
    };

    private static double Padded(int m, int n, int mr, int nr) =>
        (double)((m + mr - 1) / mr * mr) * ((n + nr - 1) / nr * nr);
}
