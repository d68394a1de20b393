using System.Globalization;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Runtime.Planning;

/// <summary>
/// What one plan step's kernel keeps besides the model's values, as the kernel reports it (<see cref="IOwnedMemory"/>):
/// <paramref name="WeightBytes"/> (packed or transformed copies of weights: SGEMM panels, Winograd U, row-tile Wᵀ,
/// transposed dense weights) and <paramref name="ScratchBytes"/> (everything else it owns: working buffers not in the
/// plan's shared scratch block, recurrent running states, plan-time offset tables of a few KiB).
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
/// weights, folded values), what each kernel owns (<see cref="Kernels"/>: packed SGEMM panels, Winograd-
/// transformed weights, scratch a kernel still owns) and the scratch block all steps share
/// (<see cref="SharedScratchBytes"/>). Kernel bytes are what each kernel reports it owns (<see cref="IOwnedMemory"/>:
/// managed arrays, never model or plan constants; the arena and the shared scratch are the only native blocks, counted
/// apart); an array shared by two kernels counts for the first.
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
        var modelArrays = new HashSet<Array>(initializers.Select(t => t.Data), ReferenceEqualityComparer.Instance);
        long planConstants = 0;
        foreach (var v in plan.Values.Values)
        {
            if (v.Kind == ValueKind.Constant && v.Constant is { } c && modelArrays.Add(c.Data))
            {
                planConstants += c.Length * c.DataType.SizeOf();
            }
        }

        var owned = new OwnedMemory();
        var kernels = new List<KernelMemory>();
        foreach (var s in plan.Steps)
        {
            string name = s.Kernel is IDescribedKernel d ? d.KernelName : s.Kernel.GetType().Name;
            long weights = owned.WeightBytes, scratch = owned.ScratchBytes;
            owned.Kernel(s.Kernel);
            kernels.Add(new KernelMemory(s.Index, s.Node.OpType, s.Node.DisplayName, name, owned.WeightBytes - weights, owned.ScratchBytes - scratch));
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
