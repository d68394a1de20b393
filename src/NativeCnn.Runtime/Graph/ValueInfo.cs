namespace NativeCnn.Runtime.Graph;

/// <summary>A dimension as declared by a model: a number, or a symbolic name (or unknown) that is bound at run time.</summary>
public readonly record struct Dim(long Value, string? Param)
{
    public bool IsKnown => Value >= 0;

    public static Dim Known(long value) => new(value, null);

    public static Dim Symbolic(string? param) => new(-1, param);

    public override string ToString() => IsKnown ? Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : Param ?? "?";
}

/// <summary>A declared graph input, output or intermediate value: name, element type, and shape if declared.</summary>
public sealed class ValueInfo
{
    public required string Name { get; init; }

    public DataType DataType { get; init; } = DataType.Undefined;

    /// <summary>Declared dimensions, or null when the model declares no shape.</summary>
    public Dim[]? Shape { get; init; }

    public string DocString { get; init; } = "";

    public override string ToString() =>
        $"{Name}: {DataType}{(Shape is null ? "" : "[" + string.Join(",", Shape) + "]")}";
}
