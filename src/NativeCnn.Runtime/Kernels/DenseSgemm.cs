using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// A dense layer with constant weights (Gemm, or MatMul by a constant matrix), float32:
/// <c>Y[i, j] = alpha · Σ_k A'[i, k] · W'[k, j] + beta · C[i, j]</c> (see <see cref="GemmParams"/>).
/// M = 1 (batch-1 classifier): streaming <see cref="Sgemv"/> over W' stored as N × K rows (as given when
/// transB = 1, transposed once at plan time otherwise). M &gt; 1: a packed SGEMM computing <c>Yᵀ = W'ᵀ · A'ᵀ</c>
/// with W'ᵀ packed at plan time as the A operand, into plan-time scratch that the epilogue transposes into Y.
/// Oracle: <see cref="GemmReference"/>.
/// </summary>
internal sealed unsafe class DenseSgemm : IKernel, IDescribedKernel
{
    private readonly GemmParams _p;
    private readonly KernelIsa _isa;
    private readonly int _threads;
    private readonly Tensor _weights;               // keeps the constant (and its pinned array) alive
    private readonly AlignedFloats? _transposed;    // W'ᵀ (N × K) when the constant is K × N
    private readonly float* _rows;                  // W'ᵀ rows for the GEMV
    private readonly WorkQueue? _gemv;
    private readonly SgemmPackedA? _packed;
    private readonly ISgemm<DenseColumnsPanelSource>? _gemmA;   // A' = A (M × K)
    private readonly ISgemm<DenseRowsPanelSource>? _gemmAt;     // A' = Aᵀ, A stored K × M
    private readonly AlignedFloats? _yt;                        // Yᵀ before the epilogue (N × M)
    private float* _x;
    private float* _y;

    public DenseSgemm(GemmParams p, Tensor weights, KernelIsa isa, int threads)
    {
        _p = p;
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
            ISgemmPackA packer;
            if (p.TransA)
            {
                _gemmAt = SgemmFactory.Create<DenseRowsPanelSource>(isa, n, p.M, k, _threads);
                packer = _gemmAt;
            }
            else
            {
                _gemmA = SgemmFactory.Create<DenseColumnsPanelSource>(isa, n, p.M, k, _threads);
                packer = _gemmA;
            }

            _packed = packer.PackWeights(n, k, w, rowStride, colStride);
            _yt = new AlignedFloats((long)n * p.M);
            KernelName = $"DenseSgemmTransposed({SgemmFactory.Name(isa, n, p.M)})";
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
            _gemv.Run((_p.N + Sgemv.RowBlock - 1) / Sgemv.RowBlock, _threads);
            Epilogue(y, 1, c, y);
        }
        else
        {
            if (_gemmAt is not null)
            {
                _gemmAt.Run(_packed!, new DenseRowsPanelSource(a, _p.M), null, _yt!.Pointer, _p.M);
            }
            else
            {
                _gemmA!.Run(_packed!, new DenseColumnsPanelSource(a, _p.K), null, _yt!.Pointer, _p.M);
            }

            Epilogue(_yt!.Pointer, _p.M, c, y);
        }
    }

    private void GemvBlock(int block, int worker)
    {
        int j0 = block * Sgemv.RowBlock, j1 = Math.Min(_p.N, j0 + Sgemv.RowBlock);
        Sgemv.Rows(_isa, _x, _rows, _p.K, j0, j1, _y);
    }

    /// <summary><c>Y[i, j] = alpha · acc[j·ldt + i] + beta · C[i, j]</c> (in place when acc is Y itself, M = 1).</summary>
    private void Epilogue(float* acc, int ldt, float* c, float* y)
    {
        float alpha = _p.Alpha, beta = _p.Beta;
        if (alpha == 1f && c == null && acc == y)
        {
            return;
        }

        for (int i = 0; i < _p.M; i++)
        {
            for (int j = 0; j < _p.N; j++)
            {
                float v = alpha * acc[((long)j * ldt) + i];
                if (c != null)
                {
                    v += beta * c[((long)i * _p.CRowStride) + ((long)j * _p.CColStride)];
                }

                y[((long)i * _p.N) + j] = v;
            }
        }
    }
}
