namespace NativeCnn.Runtime;

/// <summary>Base of every error NativeCnn raises on purpose: bad models, bad inputs, limits. Anything else is a bug.</summary>
public class NativeCnnException : Exception
{
    public NativeCnnException(string message) : base(message) { }
    public NativeCnnException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model that is structurally wrong: dangling values, contradicting shapes, bad attributes.</summary>
public class InvalidModelException : NativeCnnException
{
    public InvalidModelException(string message) : base(message) { }
    public InvalidModelException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An operator (or a version or variant of one) that the runtime does not implement.</summary>
public class UnsupportedOperatorException : NativeCnnException
{
    public UnsupportedOperatorException(string message) : base(message) { }
}

/// <summary>An element type the runtime or an operator cannot handle.</summary>
public class UnsupportedDataTypeException : NativeCnnException
{
    public UnsupportedDataTypeException(string message) : base(message) { }
}

/// <summary>An input tensor that does not fit the model: unknown name, wrong shape, wrong element type.</summary>
public class InputMismatchException : NativeCnnException
{
    public InputMismatchException(string message) : base(message) { }
}

/// <summary>A plan whose memory would exceed the configured budget (or what the machine has).</summary>
public class ResourceLimitException : NativeCnnException
{
    public ResourceLimitException(string message) : base(message) { }
}
