using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Planning;

/// <summary>
/// What one plan step's kernel keeps besides the model's values: <paramref name="WeightBytes"/> (packed or
/// transformed weights: arrays reached through a kernel field named <c>_weights</c>, <c>_u</c>, <c>_packedW</c>,
/// <c>_w</c>, <c>_bias</c> or <c>_transposed</c>) and <paramref name="ScratchBytes"/> (everything else: per-call
/// packing buffers, Winograd V/M planes, phase-split copies, per-worker scratch).
/// </summary>
public sealed record KernelMemory(int Step, string Op, string Node, string Kernel, long WeightBytes, long ScratchBytes)
{
    public long Bytes => WeightBytes + ScratchBytes;
}

/// <summary>
/// Where a plan's memory goes, against the budget of issue 5 ("weights + all activations"): the model's
/// initializers (<see cref="WeightBytes"/>, nested subgraphs included) plus the activation arena
/// (<see cref="ArenaBytes"/>: inputs, activations and auxiliary values such as argmax indices). Everything
/// else is overhead: constants made at plan time (<see cref="PlanConstantBytes"/>: BatchNormalization-folded
/// weights, folded values) and what each kernel owns (<see cref="Kernels"/>: packed SGEMM panels, Winograd-
/// transformed weights, scratch a kernel still owns) and the scratch block all steps share
/// (<see cref="SharedScratchBytes"/>). Kernel bytes are the managed arrays reachable from the kernel
/// object that are not model or plan constants (every kernel allocation is such an array; the arena and the shared scratch are the
/// only native blocks, counted apart); an array shared by two kernels counts for the first.
/// </summary>
public sealed class PlanMemory
{
    public required long WeightBytes { get; init; }

    public required long ArenaBytes { get; init; }

    /// <summary>Part of <see cref="ArenaBytes"/> that holds auxiliary values (max-pool argmax, recurrent states).</summary>
    public required long AuxiliaryBytes { get; init; }

    /// <summary>Constants the planner made (BN-folded conv weights and biases, values folded at plan time).</summary>
    public required long PlanConstantBytes { get; init; }

    public required IReadOnlyList<KernelMemory> Kernels { get; init; }

    /// <summary>
    /// The scratch block all steps share (<see cref="ExecutionPlan.ScratchBytes"/>: the largest need of one step).
    /// Kernels' <see cref="KernelMemory.ScratchBytes"/> count only scratch they still own.
    /// </summary>
    public long SharedScratchBytes { get; init; }

    public long KernelBytes => Kernels.Sum(k => k.Bytes);

    public long KernelWeightBytes => Kernels.Sum(k => k.WeightBytes);

    public long KernelScratchBytes => Kernels.Sum(k => k.ScratchBytes);

    /// <summary>Weights + all activations: the budget the issue measures peak memory against.</summary>
    public long BudgetBytes => WeightBytes + ArenaBytes;

    /// <summary>What the plan holds in all: budget + plan constants + kernel-owned bytes.</summary>
    public long TotalBytes => BudgetBytes + PlanConstantBytes + KernelBytes + SharedScratchBytes;

    public static PlanMemory Measure(ExecutionPlan plan)
    {
        var initializers = new List<Tensor>();
        CollectInitializers(plan.Graph, initializers);
        var shared = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var t in initializers)
        {
            shared.Add(t);
            shared.Add(t.Data);
        }

        long planConstants = 0;
        foreach (var v in plan.Values.Values)
        {
            if (v.Kind == ValueKind.Constant && v.Constant is { } c && shared.Add(c.Data))
            {
                shared.Add(c);
                planConstants += c.Length * c.DataType.SizeOf();
            }
        }

        shared.Add(plan);
        shared.Add(plan.Graph);
        shared.Add(plan.Options);
        if (plan.Scratch is not null)
        {
            shared.Add(plan.Scratch);
        }

        var kernels = new List<KernelMemory>();
        foreach (var s in plan.Steps)
        {
            string name = s.Kernel is IDescribedKernel d ? d.KernelName : s.Kernel.GetType().Name;
            var (weights, scratch) = ReachableArrayBytes(s.Kernel, shared);
            kernels.Add(new KernelMemory(s.Index, s.Node.OpType, s.Node.DisplayName, name, weights, scratch));
        }

        return new PlanMemory
        {
            WeightBytes = initializers.Sum(t => t.Length * t.DataType.SizeOf()),
            ArenaBytes = plan.ArenaBytes,
            AuxiliaryBytes = plan.Values.Values.Where(v => v.Kind == ValueKind.Auxiliary).Sum(v => v.ByteSize),
            PlanConstantBytes = planConstants,
            Kernels = kernels,
            SharedScratchBytes = plan.ScratchBytes,
        };
    }

    /// <summary>Bytes of the initializers of a graph and of every graph nested in its attributes.</summary>
    public static long InitializerBytes(ModelGraph graph)
    {
        var list = new List<Tensor>();
        CollectInitializers(graph, list);
        return list.Sum(t => t.Length * t.DataType.SizeOf());
    }

    private static void CollectInitializers(ModelGraph g, List<Tensor> into)
    {
        into.AddRange(g.Initializers.Values);
        foreach (var n in g.Nodes)
        {
            foreach (var a in n.Attributes.Values)
            {
                if (a.Graph is { } sub)
                {
                    CollectInitializers(sub, into);
                }

                foreach (var sg in a.Graphs ?? [])
                {
                    CollectInitializers(sg, into);
                }
            }
        }
    }

    private static readonly HashSet<string> WeightFields = new(StringComparer.Ordinal) { "_weights", "_u", "_packedW", "_w", "_bias", "_transposed" };

    /// <summary>
    /// Bytes of every array reachable from <paramref name="root"/> through instance fields (and delegate targets) not yet in
    /// <paramref name="seen"/>, split by the kernel field they hang from (weights or scratch).
    /// </summary>
    private static (long Weights, long Scratch) ReachableArrayBytes(object root, HashSet<object> seen)
    {
        long weights = 0, scratch = 0;
        var stack = new Stack<(object Value, bool Weight)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (o, weight) = stack.Pop();
            if (!seen.Add(o))
            {
                continue;
            }

            var type = o.GetType();
            if (type.IsArray)
            {
                var a = (Array)o;
                var element = type.GetElementType()!;
                long size = a.LongLength * (element.IsValueType ? ElementSize(element) : IntPtr.Size);
                if (weight)
                {
                    weights += size;
                }
                else
                {
                    scratch += size;
                }

                if (!element.IsValueType || ContainsReferences(element))
                {
                    foreach (var e in a)
                    {
                        if (e is not null)
                        {
                            stack.Push((e, weight));
                        }
                    }
                }

                continue;
            }

            if (o is string or Type or MemberInfo or Thread or Node or ModelGraph)
            {
                continue;
            }

            if (o is Delegate del)
            {
                if (del.Target is { } target)
                {
                    stack.Push((target, weight));
                }

                continue;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (f.FieldType.IsPointer || f.FieldType.IsPrimitive || f.FieldType.IsEnum || (f.FieldType.IsValueType && !ContainsReferences(f.FieldType)))
                    {
                        continue;
                    }

                    // A struct is boxed afresh, so it is walked (never mistaken for a seen object).
                    if (f.GetValue(o) is { } child)
                    {
                        stack.Push((child, weight || (ReferenceEquals(o, root) && WeightFields.Contains(f.Name))));
                    }
                }
            }
        }

        return (weights, scratch);
    }

    private static bool ContainsReferences(Type t) =>
        !t.IsPrimitive && !t.IsEnum && !t.IsPointer &&
        (!t.IsValueType || t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Any(f => f.FieldType != t && ContainsReferences(f.FieldType)));

    private static long ElementSize(Type element) =>
        element == typeof(bool) || element == typeof(byte) || element == typeof(sbyte) ? 1
        : element == typeof(short) || element == typeof(ushort) || element == typeof(char) || element == typeof(Half) ? 2
        : element == typeof(int) || element == typeof(uint) || element == typeof(float) ? 4
        : element == typeof(long) || element == typeof(ulong) || element == typeof(double) || element == typeof(nint) || element == typeof(nuint) ? 8
        : (long)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(element).Invoke(null, null)!;
}

/// <summary>Resident memory of this process from <c>/proc/self/status</c> (Linux; null elsewhere).</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes.</summary>
    public static long? PeakResidentBytes() => StatusField("VmHWM:");

    /// <summary>Current resident set size (VmRSS) in bytes.</summary>
    public static long? ResidentBytes() => StatusField("VmRSS:");

    private static long? StatusField(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var parts = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}
