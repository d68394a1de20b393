using System.Runtime.CompilerServices;
using System.Diagnostics;
using NativeCnn.Fixations.Internal;
using NativeCnn.Fixations.Rules;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations;

/// <summary>
/// CNN Fixations: unravels a forward pass from a chosen output neuron back to the input. The steps of the plan are
/// visited in reverse topological order; when a step is reached every consumer of its outputs has already been
/// visited, so each output's fixation set is complete (the union of what its consumers sent back, duplicates
/// removed). The step's rule (chosen by its <see cref="Runtime.Operators.OpKind"/>) maps that set to its inputs,
/// reading the stored activations through zero-copy views. A step whose kind has no rule is a
/// <see cref="FixationException"/>, never a silent skip. Single-threaded and deterministic.
/// </summary>
public sealed class Backtracker
{
    public Backtracker(FixationOptions? options = null)
    {
        Options = options ?? FixationOptions.Default;
    }

    public FixationOptions Options { get; }

    /// <summary>Backtracks from the top-1 class of the graph output.</summary>
    public FixationResult Backtrack(ActivationStore store) => Backtrack(store, StartPoint.TopClass());

    public FixationResult Backtrack(ActivationStore store, StartPoint start) =>
        Backtrack(new StoreActivationSource(store), start);

    /// <summary>One result per resolved start (a <see cref="StartKind.TopK"/> start yields k results, best first).</summary>
    public IReadOnlyList<FixationResult> Backtrack(ActivationStore store, IReadOnlyList<StartPoint> starts) =>
        Backtrack(new StoreActivationSource(store), starts);

    public FixationResult Backtrack(IActivationSource source, StartPoint start)
    {
        var resolved = Resolve(source, start);
        if (resolved.Count != 1)
        {
            throw new ArgumentException("a top-k start yields several results; use the overload taking a list of starts", nameof(start));
        }

        return Run(source, resolved[0]);
    }

    public IReadOnlyList<FixationResult> Backtrack(IActivationSource source, IReadOnlyList<StartPoint> starts)
    {
        var results = new List<FixationResult>();
        foreach (var s in starts)
        {
            foreach (var r in Resolve(source, s))
            {
                results.Add(Run(source, r));
            }
        }

        return results;
    }

    /// <summary>Resolves a start point against a forward pass (top-k gives k starts, best first).</summary>
    public static IReadOnlyList<ResolvedStart> Resolve(IActivationSource source, StartPoint start)
    {
        var plan = source.Plan;
        string name = start.Value ?? (plan.OutputNames.Count > 0 ? plan.OutputNames[0] : throw new UnknownValueException("the model has no graph output"));
        string stored = StoredReplacement(plan, name);
        if (!plan.Values.TryGetValue(stored, out var pv) || !source.TryGet(stored, out var view) ||
            !ShapeUtil.SameShape(plan.Values[name].Type.Shape, view.Shape))
        {
            throw new UnknownValueException($"the model has no stored value named '{name}'");
        }

        if (pv.Kind is ValueKind.Constant or ValueKind.Auxiliary)
        {
            throw new UnknownValueException($"value '{name}' is a {pv.Kind.ToString().ToLowerInvariant()} value; a backtrack starts at an activation");
        }

        if (view.DataType != DataType.Float32 || !view.IsContiguous)
        {
            throw new FixationException($"value '{name}' is {view.DataType}{ShapeUtil.Format(view.Shape)}; a start must be a dense float32 value");
        }

        var data = view.Span<float>();
        if (start.Kind == StartKind.Neuron)
        {
            if (start.Index < 0 || start.Index >= data.Length)
            {
                throw new UnknownClassException($"neuron index {start.Index} is outside value '{name}' of shape {ShapeUtil.Format(view.Shape)} ({data.Length} elements)");
            }

            return [new ResolvedStart(name, start.Index, data[(int)start.Index], 0) { StoredValue = stored }];
        }

        // Classes are the elements of batch 0.
        int classes = view.Rank >= 2 && view.Shape[0] > 0 ? data.Length / view.Shape[0] : data.Length;
        var scores = data[..classes];
        switch (start.Kind)
        {
            case StartKind.Class:
                if (start.Index < 0 || start.Index >= classes)
                {
                    throw new UnknownClassException($"class {start.Index} is outside the {classes} classes of '{name}' {ShapeUtil.Format(view.Shape)}");
                }

                return [new ResolvedStart(name, start.Index, scores[(int)start.Index], 0) { StoredValue = stored }];
            case StartKind.TopClass:
            case StartKind.TopK:
                if (classes == 0)
                {
                    throw new UnknownClassException($"value '{name}' is empty");
                }

                int k = (int)Math.Min(start.Kind == StartKind.TopClass ? 1 : start.Index, classes);
                var order = Enumerable.Range(0, classes).ToArray();
                var keys = scores.ToArray();
                // Best first; ties to the lower index (a stable sort on the negated score).
                var sorted = order.OrderByDescending(i => keys[i]).ThenBy(i => i).Take(k);
                return sorted.Select((c, r) => new ResolvedStart(name, c, keys[c], r) { StoredValue = stored }).ToList();
            default:
                throw new ArgumentOutOfRangeException(nameof(start), start.Kind, "unknown start kind");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private FixationResult Run(IActivationSource source, ResolvedStart start)
    {
        long t0 = Stopwatch.GetTimestamp();
        var plan = source.Plan;
        var walk = new Walk(plan);
        var ctx = new RuleContext(source, Options, walk);
        var values = new List<ValueFixations>();
        var timings = new List<StepTiming>();
        walk.Add(start.StoredValue, start.FlatIndex);

        for (int s = plan.Steps.Count - 1; s >= 0; s--)
        {
            var step = plan.Steps[s];
            long[][]? outs = null;
            int fixIn = 0;
            for (int o = 0; o < step.Outputs.Length; o++)
            {
                if (step.Outputs[o].Length == 0 || walk.Take(step.Outputs[o]) is not { } set)
                {
                    continue;
                }

                outs ??= new long[step.Outputs.Length][];
                outs[o] = set;
                fixIn += set.Length;
                values.Add(new ValueFixations(step.Outputs[o], ShapeOf(source, step.Outputs[o]), set));
            }

            if (outs is null)
            {
                continue;
            }

            for (int o = 0; o < outs.Length; o++)
            {
                outs[o] ??= [];
            }

            var rule = FixationRules.Get(step.Kind) ?? throw new FixationException(
                $"no fixation rule for op {step.Kind} (node {step.Node}, step {step.Index}): " +
                (FixationRules.NoRule.TryGetValue(step.Kind, out var why) ? why : "no rule and no documented reason"));
            long ts = Options.Profile ? Stopwatch.GetTimestamp() : 0;
            ctx.Reset(step, outs);
            rule.Backtrack(ctx);
            foreach (var aux in step.Auxiliary)
            {
                if (walk.Take(aux) is { } recorded)
                {
                    values.Add(new ValueFixations(aux, ShapeOf(source, aux), recorded));
                }
            }
            double ms = Options.Profile ? Stopwatch.GetElapsedTime(ts).TotalMilliseconds : 0;
            timings.Add(new StepTiming(step.Index, step.Node.DisplayName, step.Kind, ms, fixIn, ctx.Emitted));
        }

        // What remains are graph inputs (values no step produces).
        foreach (var name in walk.PendingNames().ToList())
        {
            values.Add(new ValueFixations(name, ShapeOf(source, name), walk.Take(name)!));
        }

        string inputName = plan.InputNames.Count > 0 ? plan.InputNames[0] : "";
        var points = values.FirstOrDefault(v => v.Name == inputName) is { } iv ? SpatialPoints(iv) : [];
        return new FixationResult(start, values, inputName, points, timings, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, ctx.BytesRead);
    }

    /// <summary>
    /// <paramref name="name"/>, or for a value a fusion elided, the end of its chain of replacements (conv output →
    /// folded BatchNormalization output → fused Relu output): the same elements after element-wise pass-through ops,
    /// which the rules would pass a point through unchanged.
    /// </summary>
    private static string StoredReplacement(ExecutionPlan plan, string name)
    {
        for (int guard = 0; guard < 64 && plan.Values.TryGetValue(name, out var pv) && pv.Kind == ValueKind.Elided && pv.ReplacedBy is { } next; guard++)
        {
            name = next;
        }

        return name;
    }

    private static int[] ShapeOf(IActivationSource source, string name) =>
        source.TryGet(name, out var v) ? v.Shape : source.Plan.Values[name].Type.Shape;

    /// <summary>Unique (y, x) over the last two axes (a rank-1 value gives y = 0).</summary>
    private static InputPoint[] SpatialPoints(ValueFixations v)
    {
        int r = v.Shape.Length;
        int w = r >= 1 ? v.Shape[r - 1] : 1;
        int h = r >= 2 ? v.Shape[r - 2] : 1;
        var set = new SortedSet<long>();
        foreach (long i in v.Indices)
        {
            long plane = i % ((long)h * w);
            set.Add(plane);
        }

        return set.Select(p => new InputPoint((int)(p / w), (int)(p % w))).ToArray();
    }

    /// <summary>The pending fixation sets of one backtrack, and the depth of each value.</summary>
    internal sealed class Walk
    {
        private readonly Dictionary<string, PendingSet> _pending = new(StringComparer.Ordinal);
        private readonly ExecutionPlan _plan;
        private Dictionary<string, int>? _depth;

        public Walk(ExecutionPlan plan) => _plan = plan;

        public void Add(string value, long index) => SetOf(value).Add(index);

        /// <summary>The pending fixation set of a value (created empty if it has none yet).</summary>
        public PendingSet SetOf(string value)
        {
            if (!_pending.TryGetValue(value, out var set))
            {
                _pending[value] = set = new PendingSet();
            }

            return set;
        }

        /// <summary>Removes and returns the sorted set of a value, or null if it has none.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public long[]? Take(string value)
        {
            if (!_pending.Remove(value, out var set) || set.Count == 0)
            {
                return null;
            }

            return set.TakeSorted();
        }

        public IEnumerable<string> PendingNames() => _pending.Keys.Where(k => _pending[k].Count > 0).OrderBy(k => k, StringComparer.Ordinal);

        public int Depth(string value)
        {
            if (_depth is null)
            {
                _depth = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var s in _plan.Steps)
                {
                    int d = 0;
                    foreach (var i in s.Inputs)
                    {
                        if (i.Length > 0 && _depth.TryGetValue(i, out int di))
                        {
                            d = Math.Max(d, di);
                        }
                    }

                    foreach (var o in s.Outputs)
                    {
                        if (o.Length > 0)
                        {
                            _depth[o] = d + 1;
                        }
                    }
                }
            }

            return _depth.GetValueOrDefault(value);
        }
    }
}
