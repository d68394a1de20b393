namespace NativeCnn.Runtime.Operators;

/// <summary>GlobalMaxPool (opsets 1, 22): the maximum over all spatial axes, X (N, C, D1…) → Y (N, C, 1…) of the same rank.</summary>
[Operator(OpKind.GlobalMaxPool)]
public sealed class GlobalMaxPool : GlobalPool
{
    protected override bool Average => false;
}
