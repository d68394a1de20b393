using NativeCnn.Runtime;

namespace NativeCnn.Fixations;

/// <summary>A backtrack that cannot proceed: an op kind without a rule, a variant a rule does not handle, a value the store lacks.</summary>
public class FixationException : NativeCnnException
{
    public FixationException(string message) : base(message) { }
}

/// <summary>A start point names a value the model does not have (or a constant, which never gets fixations).</summary>
public sealed class UnknownValueException : FixationException
{
    public UnknownValueException(string message) : base(message) { }
}

/// <summary>A start point's class index or neuron index lies outside the value it names.</summary>
public sealed class UnknownClassException : FixationException
{
    public UnknownClassException(string message) : base(message) { }
}
