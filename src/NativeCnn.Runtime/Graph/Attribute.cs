namespace NativeCnn.Runtime.Graph;

public enum AttributeKind
{
    Float,
    Int,
    String,
    Tensor,
    Graph,
    Floats,
    Ints,
    Strings,
    Tensors,
    Graphs,
}

/// <summary>One node attribute. Exactly the member matching <see cref="Kind"/> is set.</summary>
public sealed class AttributeValue
{
    public required string Name { get; init; }

    public required AttributeKind Kind { get; init; }

    public float Float { get; init; }

    public long Int { get; init; }

    public string? String { get; init; }

    public Tensor? Tensor { get; init; }

    public ModelGraph? Graph { get; init; }

    public float[] Floats { get; init; } = [];

    public long[] Ints { get; init; } = [];

    public string[] Strings { get; init; } = [];

    public Tensor[] Tensors { get; init; } = [];

    public ModelGraph[] Graphs { get; init; } = [];

    public static AttributeValue Of(string name, long value) => new() { Name = name, Kind = AttributeKind.Int, Int = value };

    public static AttributeValue Of(string name, float value) => new() { Name = name, Kind = AttributeKind.Float, Float = value };

    public static AttributeValue Of(string name, string value) => new() { Name = name, Kind = AttributeKind.String, String = value };

    public static AttributeValue Of(string name, long[] values) => new() { Name = name, Kind = AttributeKind.Ints, Ints = values };

    public static AttributeValue Of(string name, float[] values) => new() { Name = name, Kind = AttributeKind.Floats, Floats = values };

    public static AttributeValue Of(string name, string[] values) => new() { Name = name, Kind = AttributeKind.Strings, Strings = values };

    public static AttributeValue Of(string name, Tensor value) => new() { Name = name, Kind = AttributeKind.Tensor, Tensor = value };

    public override string ToString() => Kind switch
    {
        AttributeKind.Float => $"{Name}={Float}",
        AttributeKind.Int => $"{Name}={Int}",
        AttributeKind.String => $"{Name}='{String}'",
        AttributeKind.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeKind.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        AttributeKind.Strings => $"{Name}=[{string.Join(",", Strings)}]",
        _ => $"{Name}:{Kind}",
    };
}
