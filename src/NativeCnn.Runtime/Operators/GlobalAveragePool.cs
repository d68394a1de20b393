namespace NativeCnn.Runtime.Operators;

/// <summary>GlobalAveragePool (opsets 1, 22): the mean over all spatial axes, X (N, C, D1…) → Y (N, C, 1…) of the same rank.</summary>
[Operator(OpKind.GlobalAveragePool)]
public sealed class GlobalAveragePool : GlobalPool
{
    protected override bool Average => true;
}
