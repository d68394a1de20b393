using NativeCnn.Runtime;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations;

/// <summary>The fixations of one value: sorted unique flat (row-major) indices into the value.</summary>
public sealed class ValueFixations
{
    internal ValueFixations(string name, int[] shape, long[] indices)
    {
        Name = name;
        Shape = shape;
        Indices = indices;
    }

    public string Name { get; }

    public int[] Shape { get; }

    /// <summary>Sorted, unique flat indices.</summary>
    public IReadOnlyList<long> Indices { get; }

    public int Count => Indices.Count;

    /// <summary>The coordinates (one per axis) of fixation <paramref name="k"/>.</summary>
    public int[] Coordinates(int k) => Unravel(Indices[k], Shape);

    /// <summary>The coordinates of every fixation, in index order.</summary>
    public IEnumerable<int[]> AllCoordinates() => Indices.Select(i => Unravel(i, Shape));

    public override string ToString() => $"{Name}{ShapeUtil.Format(Shape)}: {Count} fixations";

    /// <summary>Row-major coordinates of a flat index.</summary>
    public static int[] Unravel(long flat, ReadOnlySpan<int> shape)
    {
        var c = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            c[d] = (int)(flat % shape[d]);
            flat /= shape[d];
        }

        return c;
    }
}

/// <summary>A spatial point (row, column) of the input value, channel dropped.</summary>
public readonly record struct InputPoint(int Y, int X);

/// <summary>Cost of one step of a backtrack.</summary>
public readonly record struct StepTiming(int StepIndex, string Node, OpKind Kind, double Milliseconds, int FixationsIn, int FixationsOut);

/// <summary>The outcome of one backtrack from one start point.</summary>
public sealed class FixationResult
{
    private readonly Dictionary<string, ValueFixations> _byName;

    internal FixationResult(ResolvedStart start, List<ValueFixations> values, string inputName, InputPoint[] inputPoints,
        List<StepTiming> steps, double totalMs, long bytesRead)
    {
        Start = start;
        Values = values;
        _byName = values.ToDictionary(v => v.Name, StringComparer.Ordinal);
        InputName = inputName;
        InputPoints = inputPoints;
        Steps = steps;
        TotalMilliseconds = totalMs;
        BytesRead = bytesRead;
    }

    public ResolvedStart Start { get; }

    /// <summary>Every value on the path that received fixations, from the start back to the input(s).</summary>
    public IReadOnlyList<ValueFixations> Values { get; }

    /// <summary>The model input whose points are <see cref="InputPoints"/> (the first graph input).</summary>
    public string InputName { get; }

    /// <summary>Unique spatial points (y, x) of the input's fixations with the channel (and batch) dropped, sorted.</summary>
    public IReadOnlyList<InputPoint> InputPoints { get; }

    /// <summary>Per-step cost, in the order the steps were backtracked (last step first). Only steps that received fixations.</summary>
    public IReadOnlyList<StepTiming> Steps { get; }

    /// <summary>Wall time of the whole backtrack (rules plus bookkeeping).</summary>
    public double TotalMilliseconds { get; }

    /// <summary>Bytes of activations and weights the rules read (through views, never copied).</summary>
    public long BytesRead { get; }

    /// <summary>The fixations of a value, or null if none reached it.</summary>
    public ValueFixations? this[string name] => _byName.GetValueOrDefault(name);
}
