using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>GlobalAveragePool (opsets 1, 22): the mean over all spatial axes, X (N, C, D1…) → Y (N, C, 1…) of the same rank.</summary>
[Operator(OpKind.GlobalAveragePool)]
public sealed class GlobalAveragePool : GlobalPool
{
    protected override bool Average => true;

    /// <summary>Float planes eight at a time (<see cref="GlobalAveragePlanes"/>, bitwise the reference) where the ISA allows.</summary>
    protected override IKernel? FastKernel(NodeContext ctx, DataType type, int planes, int size) =>
        type == DataType.Float32 && !ctx.Options.ReferenceKernels && GlobalAveragePlanes.Supports
            ? new GlobalAveragePlanes(planes, size, ctx.Options.Threads)
            : null;
}
