using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Runtime.Planning;

public enum ValueKind
{
    /// <summary>Fed at run time; lives in the arena.</summary>
    Input,

    /// <summary>Computed by a step; lives in the arena.</summary>
    Activation,

    /// <summary>Known when the plan is built (initializer, Constant node, or folded); lives in a pinned tensor.</summary>
    Constant,

    /// <summary>Kept by a kernel besides its outputs (argmax indices, recurrent gates); lives in the arena.</summary>
    Auxiliary,

    /// <summary>Not computed because a fusion made it unnecessary; <see cref="PlannedValue.ReplacedBy"/> names the value that stands for it.</summary>
    Elided,
}

/// <summary>One value of the plan: its type, where it lives, and who produces it.</summary>
public sealed class PlannedValue
{
    public required string Name { get; init; }

    public required ValueType Type { get; init; }

    public required ValueKind Kind { get; init; }

    /// <summary>Byte offset in the arena (Input, Activation, Auxiliary).</summary>
    public long Offset { get; set; } = -1;

    public Tensor? Constant { get; init; }

    /// <summary>Index of the producing step, or -1.</summary>
    public int Producer { get; init; } = -1;

    public string? ReplacedBy { get; init; }

    /// <summary>
    /// For a value that is a view into another value's memory (a Concat input written in place into its slice of the
    /// Concat output, a Dropout/Identity output that is its input): that value; it has no slot of its own, and its
    /// <see cref="Offset"/> is the other's plus <see cref="AliasByteOffset"/>. Null for a value with its own slot.
    /// </summary>
    public string? AliasOf { get; init; }

    /// <summary>Byte offset of this value inside <see cref="AliasOf"/>.</summary>
    public long AliasByteOffset { get; init; }

    public string? Description { get; init; }

    /// <summary>Bytes of the value; a count that does not fit 64 bits is a <see cref="ResourceLimitException"/>.</summary>
    public long ByteSize
    {
        get
        {
            try
            {
                return checked(ShapeUtil.Product(Type.Shape) * Type.DataType.SizeOf());
            }
            catch (OverflowException)
            {
                throw new ResourceLimitException($"value '{Name}' {Type} has more bytes than a 64-bit count holds");
            }
        }
    }
}

/// <summary>One kernel invocation of the plan.</summary>
public sealed class PlanStep
{
    public required int Index { get; init; }

    public required Node Node { get; init; }

    public required OpKind Kind { get; init; }

    public required IKernel Kernel { get; init; }

    /// <summary>Node input names ("" for absent).</summary>
    public required string[] Inputs { get; init; }

    /// <summary>Node output names ("" for absent).</summary>
    public required string[] Outputs { get; init; }

    /// <summary>Names of the auxiliary values (in declaration order).</summary>
    public required string[] Auxiliary { get; init; }

    /// <summary>Multiply-accumulates of one run (0 where not meaningful).</summary>
    public long Macs { get; init; }

    /// <summary>Nodes of the model that this step also computes (e.g. a folded BatchNormalization).</summary>
    public IReadOnlyList<Node> FusedNodes { get; init; } = [];

    /// <summary>
    /// The step does no work at run time: its output is a view of memory other steps fill (a Concat whose inputs were
    /// all written in place, a Dropout/Identity whose output aliases its input). Kept for the backtracker.
    /// </summary>
    public bool ZeroCopy { get; init; }
}

/// <summary>
/// A model compiled for fixed input shapes: steps in topological order, every value's type and place known,
/// constants folded, kernels chosen. Running it fills an <see cref="ActivationStore"/>.
/// </summary>
public sealed class ExecutionPlan
{
    public required ModelGraph Graph { get; init; }

    public required PlanOptions Options { get; init; }

    public required IReadOnlyList<PlanStep> Steps { get; init; }

    public required IReadOnlyDictionary<string, PlannedValue> Values { get; init; }

    public required IReadOnlyList<string> InputNames { get; init; }

    public required IReadOnlyList<string> OutputNames { get; init; }

    /// <summary>Bytes of the activation arena (inputs, activations, auxiliary values).</summary>
    public required long ArenaBytes { get; init; }

    /// <summary>For each value, the steps that read it.</summary>
    public required IReadOnlyDictionary<string, IReadOnlyList<int>> Consumers { get; init; }

    /// <summary>Value names in plan order: inputs, then each step's outputs and auxiliary values.</summary>
    public required IReadOnlyList<string> ValueOrder { get; init; }

    /// <summary>
    /// The scratch block every step's kernels share (sized to the largest need of one step, allocated at the end of
    /// planning; see <see cref="Kernels.SharedScratch"/>).
    /// </summary>
    internal Kernels.SharedScratch? Scratch { get; init; }

    /// <summary>Bytes of the shared scratch block (the largest scratch one step needs).</summary>
    public long ScratchBytes => Scratch?.Bytes ?? 0;

    /// <summary>Cost of the one compacting garbage collection at the end of planning, in milliseconds.</summary>
    public double PlanningGcMilliseconds { get; init; }

    /// <summary>Returns the shared scratch block to the OS; the plan cannot run afterwards (its session is done with it).</summary>
    public void ReleaseScratch() => Scratch?.Free();
}
