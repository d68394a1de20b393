using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations.Rules;

/// <summary>Marks a rule class with the op kinds it handles (one rule per kind; a class may serve several kinds).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class FixationRuleAttribute(params OpKind[] kinds) : Attribute
{
    public OpKind[] Kinds { get; } = kinds;
}

/// <summary>
/// Maps the fixations at a step's outputs to fixations at its inputs, reading the step's actual input
/// tensors (as stored) and its weights. Rules are stateless; everything travels in the <see cref="RuleContext"/>.
/// </summary>
public abstract class FixationRule
{
    public abstract void Backtrack(RuleContext ctx);
}
