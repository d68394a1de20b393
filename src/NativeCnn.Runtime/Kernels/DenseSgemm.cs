using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// A dense layer with constant weights (Gemm, or MatMul by a constant matrix), float32:
/// <c>Y[i, j] = alpha · Σ_k A'[i, k] · W'[k, j] + beta · C[i, j]</c> (see <see cref="GemmParams"/>).
/// M = 1 (batch-1 classifier): streaming <see cref="Sgemv"/> over W' stored as N × K rows (as given when
/// transB = 1, transposed once at plan time otherwise). M &gt; 1: the packed SGEMM with W' packed at plan time into
/// B panels (<see cref="PrepackedPanelSource"/>, a copy of the weights) and A' packed per call into a plan-time
/// buffer; with M ≤ MR (small batches) every weight is read once per call. alpha, beta·C are applied in place.
/// Oracle: <see cref="GemmReference"/>.
/// <para>
/// At M = 1 the kernel also stores, per output j, <c>argmax_k A'[0, k] · W'[k, j]</c> in the auxiliary value
/// <see cref="ProductArgMax.AuxiliarySuffix"/> when the plan declared it (<see cref="DeclareProductArgMax"/>): the input the
/// fixation rule of a dense layer after a flattened feature map keeps, computed from the weights the GEMV streams
/// anyway, so the backtracker need not read 4 bytes × K of weights per kept output again.
/// </para>
/// </summary>
internal sealed unsafe class DenseSgemm : IKernel, IDescribedKernel, IOwnedMemory
{
    private readonly GemmParams _p;
    private readonly KernelIsa _isa;
    private readonly int _threads;
    private readonly Tensor _weights;               // keeps the constant (and its pinned array) alive
    private readonly AlignedFloats? _transposed;    // W'ᵀ (N × K) when the constant is K × N
    private readonly float* _rows;                  // W'ᵀ rows for the GEMV
    private readonly WorkQueue? _gemv;
    private readonly ISgemm<PrepackedPanelSource>? _gemm;
    private readonly SgemmPackedA? _packedW;                   // W' (K × N) as B panels
    private readonly SgemmPackedA? _packedA;                   // A' (M × K), refilled per call
    private readonly int _argmaxAux;                // auxiliary index of the product argmax (M = 1), or −1
    private float* _x;
    private float* _y;
    private int* _argmax;

    /// <summary>W'ᵀ rows (when the constant had to be transposed) or W' as B panels: weights. A' and the SGEMM's buffers: scratch.</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Weights(_transposed);
        memory.Weights(_packedW);
        memory.Scratch(_packedA);
        memory.Part(_gemm);
    }

    /// <summary>
    /// Declares the product argmax for a batch-1 dense layer (M = 1) fed by a flattened feature map, the one case the
    /// fixation rule reads it; returns its auxiliary index, or −1.
    /// </summary>
    public static int DeclareProductArgMax(NodeContext ctx, int m, int k, int n, int[] outputShape) =>
        m == 1 && ctx.Input0IsFlattenedFeatureMap && (long)k * n * sizeof(float) >= ProductArgMaxMinWeightBytes
            ? ctx.AddAuxiliary(ProductArgMax.AuxiliarySuffix, DataType.Int32, outputShape,
                "per output j, the first k of the largest product A'[0,k]·W'[k,j] (NaN products skipped): the fc fixation rule's argmax")
            : -1;

    /// <summary>
    /// Smallest weight matrix for which the GEMV also stores the product argmax. Where the weights stream from memory
    /// (VGG-16 fc6: 392 MiB) the argmax costs the GEMV 15–20 % and saves the backtrack reading a 100 KB row per kept
    /// output; where they sit in the caches the argmax's compares cost 4–5× the GEMV (tools/kernel-probe fc, hot,
    /// 1 thread: LeNet ip1 800→500 0.011 against 0.038–0.053 ms, DoodleNet 1152→256 0.008 against 0.037) and the
    /// rule reads the few kept rows from the caches anyway.
    /// </summary>
    public const long ProductArgMaxMinWeightBytes = 16L << 20;

    public DenseSgemm(GemmParams p, Tensor weights, KernelIsa isa, int threads, int argmaxAux = -1)
    {
        _p = p;
        _argmaxAux = p.M == 1 ? argmaxAux : -1;
        _isa = isa;
        _threads = Math.Max(1, threads);
        _weights = weights;
        float* w = (float*)weights.View.Pointer;
        int n = p.N, k = p.K;
        long rowStride = p.TransB ? k : 1, colStride = p.TransB ? 1 : n;   // W'ᵀ[j, q] = w[j·rowStride + q·colStride]
        if (p.M == 1)
        {
            if (p.TransB)
            {
                _rows = w;
            }
            else
            {
                _transposed = new AlignedFloats((long)n * k);
                _rows = _transposed.Pointer;
                for (int j = 0; j < n; j++)
                {
                    for (int q = 0; q < k; q++)
                    {
                        _rows[((long)j * k) + q] = w[(j * rowStride) + (q * colStride)];
                    }
                }
            }

            _gemv = new WorkQueue(GemvBlock);
            KernelName = $"DenseGemv({Sgemv.Name(isa)})";
        }
        else
        {
            _gemm = SgemmFactory.Create<PrepackedPanelSource>(isa, p.M, n, k, _threads);
            _packedW = _gemm.PackB(k, n, w, colStride, rowStride);        // W'[q, j] = w[q·colStride + j·rowStride]
            _packedA = _gemm.AllocateA(p.M, k);
            KernelName = $"DenseSgemmPrepacked({SgemmFactory.Name(isa, p.M, n)})";
        }
    }

    public string KernelName { get; }

    public void Run(KernelArgs args)
    {
        float* a = (float*)args.Inputs[0].Pointer;
        float* c = _p.HasC ? (float*)args.Inputs[2].Pointer : null;
        float* y = (float*)args.Outputs[0].Pointer;
        GC.KeepAlive(_weights);
        if (_gemv is not null)
        {
            _x = a;
            _y = y;
            _argmax = _argmaxAux >= 0 ? (int*)args.Auxiliary[_argmaxAux].Pointer : null;
            _gemv.Run((_p.N + Sgemv.RowBlock - 1) / Sgemv.RowBlock, _threads);
            Epilogue(y, c);
        }
        else
        {
            _packedA!.Fill(a, _p.TransA ? 1 : _p.K, _p.TransA ? _p.M : 1);
            _gemm!.Run(_packedA, new PrepackedPanelSource(_packedW!), null, y, _p.N);
            Epilogue(y, c);
        }
    }

    private void GemvBlock(int block, int worker)
    {
        int j0 = block * Sgemv.RowBlock, j1 = Math.Min(_p.N, j0 + Sgemv.RowBlock);
        Sgemv.Rows(_isa, _x, _rows, _p.K, j0, j1, _y, _argmax);
    }

    /// <summary><c>Y[i, j] = alpha · Y[i, j] + beta · C[i, j]</c>, in place on the accumulated products.</summary>
    private void Epilogue(float* y, float* c)
    {
        float alpha = _p.Alpha, beta = _p.Beta;
        if (alpha == 1f && c == null)
        {
            return;
        }

        for (int i = 0; i < _p.M; i++)
        {
            for (int j = 0; j < _p.N; j++)
            {
                long o = ((long)i * _p.N) + j;
                float v = alpha * y[o];
                if (c != null)
                {
                    v += beta * c[((long)i * _p.CRowStride) + ((long)j * _p.CColStride)];
                }

                y[o] = v;
            }
        }
    }
}
