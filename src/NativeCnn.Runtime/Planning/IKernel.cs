namespace NativeCnn.Runtime.Planning;

/// <summary>
/// A compiled node: everything it needs (parameters, packed weights) is fixed at plan time. <see cref="Run"/>
/// reads <see cref="KernelArgs.Inputs"/> and writes <see cref="KernelArgs.Outputs"/>; it must not allocate
/// on the managed heap, and each output element must be computed by one thread in a fixed order so that a run
/// is bitwise reproducible for any thread count.
/// </summary>
public interface IKernel
{
    void Run(KernelArgs args);
}

/// <summary>
/// A kernel that says whether it reads its weight input (input 1) when it runs. One that packed or transformed the
/// weights into its own layout at plan time does not, so the planner need not keep a weight tensor it made for it
/// (a BatchNormalization-folded copy). Kernels that do not implement this are taken to read it.
/// </summary>
public interface IWeightInputReader
{
    /// <summary>True when <see cref="IKernel.Run"/> reads input 1 (e.g. a low-memory kernel that packs it per call).</summary>
    bool ReadsWeightInput { get; }
}

/// <summary>A kernel that says which implementation the plan chose (e.g. "ConvIm2colSgemm(SgemmPackedAvx512_8x48)").</summary>
public interface IDescribedKernel
{
    string KernelName { get; }
}

/// <summary>The views a kernel runs on; built once per plan and reused for every run.</summary>
public sealed class KernelArgs
{
    public KernelArgs(TensorView[] inputs, TensorView[] outputs, TensorView[] auxiliary, int threads)
    {
        Inputs = inputs;
        Outputs = outputs;
        Auxiliary = auxiliary;
        Threads = threads;
    }

    /// <summary>One per node input; <see cref="TensorView.IsNull"/> for an absent optional input.</summary>
    public TensorView[] Inputs { get; }

    /// <summary>One per node output; <see cref="TensorView.IsNull"/> for an absent optional output.</summary>
    public TensorView[] Outputs { get; }

    /// <summary>The auxiliary values the operator declared (argmax indices, recurrent gates…), in declaration order.</summary>
    public TensorView[] Auxiliary { get; }

    /// <summary>Threads the kernel may use (≥ 1).</summary>
    public int Threads { get; }
}

/// <summary>A kernel given as a delegate, for operators whose whole computation is a few lines.</summary>
public sealed class DelegateKernel(Action<KernelArgs> run) : IKernel
{
    public void Run(KernelArgs args) => run(args);
}
