using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The kernel of a step whose output is a view of memory other steps fill (a zero-copy Concat whose inputs were all
/// written in place, a Dropout or Identity whose output aliases its input): nothing to do at run time. The step stays
/// in the plan so that the backtracker still sees the op.
/// </summary>
public sealed class ZeroCopyKernel : IKernel, IDescribedKernel
{
    public ZeroCopyKernel(string what) => KernelName = what;

    public string KernelName { get; }

    public void Run(KernelArgs args)
    {
    }
}

/// <summary>
/// A Concat whose output is one contiguous run per input (every axis before the concat axis has size 1) and some of
/// whose inputs were written in place by their producers: copies only the others, input k's bytes to byte offset
/// <c>Offsets[k]</c> of the output.
/// </summary>
public sealed unsafe class PartialConcatKernel(int[] inputs, long[] offsets, long[] bytes) : IKernel, IDescribedKernel, IOwnedMemory
{
    public string KernelName => $"ConcatZeroCopy(copies {inputs.Length} input(s))";

    /// <summary>The copy list: tables.</summary>
    void IOwnedMemory.ReportMemory(OwnedMemory memory)
    {
        memory.Table(inputs);
        memory.Table(offsets);
        memory.Table(bytes);
    }

    public void Run(KernelArgs args)
    {
        byte* y = (byte*)args.Outputs[0].Pointer;
        for (int i = 0; i < inputs.Length; i++)
        {
            Buffer.MemoryCopy((byte*)args.Inputs[inputs[i]].Pointer, y + offsets[i], bytes[i], bytes[i]);
        }
    }
}
