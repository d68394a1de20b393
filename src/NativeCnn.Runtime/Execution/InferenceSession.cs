using System.Diagnostics;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Execution;

/// <summary>
/// Runs a model. The first run (or <see cref="Prepare"/>) compiles a plan for the input shapes and allocates
/// the activation store; later runs with the same shapes reuse both and allocate nothing on the managed heap.
/// A run with other shapes re-plans (and invalidates views of the previous store).
/// Not thread-safe: one session runs one forward pass at a time.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private ActivationStore? _store;
    private double[] _stepMs = [];

    public InferenceSession(ModelGraph graph, PlanOptions? options = null)
    {
        Graph = graph;
        Options = options ?? new PlanOptions();
    }

    public ModelGraph Graph { get; }

    public PlanOptions Options { get; }

    public ExecutionPlan? Plan => _store?.Plan;

    /// <summary>The store of the last run (null before the first).</summary>
    public ActivationStore? Store => _store;

    /// <summary>Wall time of each plan step in the last run, in milliseconds (zeros if profiling is off).</summary>
    public IReadOnlyList<double> StepMilliseconds => _stepMs;

    /// <summary>Total wall time of the last run in milliseconds.</summary>
    public double LastRunMilliseconds { get; private set; }

    /// <summary>Compiles the plan for these input shapes (if not already compiled for them) and returns it.</summary>
    public ExecutionPlan Prepare(IReadOnlyDictionary<string, int[]> inputShapes)
    {
        if (_store is { } s && inputShapes.All(kv => s.Plan.Values.TryGetValue(kv.Key, out var v) && v.Type.Shape.AsSpan().SequenceEqual(kv.Value)))
        {
            return s.Plan;
        }

        var plan = Planner.Build(Graph, inputShapes, Options);
        _store?.Plan.ReleaseScratch();
        _store?.Dispose();
        _store = null;
        _store = new ActivationStore(plan);
        _stepMs = new double[plan.Steps.Count];
        return plan;
    }

    /// <summary>Runs a model with a single input.</summary>
    public ActivationStore Run(Tensor input)
    {
        if (Graph.Inputs.Count != 1)
        {
            throw new InputMismatchException($"the model has {Graph.Inputs.Count} inputs ({string.Join(", ", Graph.Inputs.Select(i => i.Name))}); name them");
        }

        return Run([new KeyValuePair<string, Tensor>(Graph.Inputs[0].Name, input)]);
    }

    /// <summary>Runs the model; every graph input must be given by name. Returns the store holding every value.</summary>
    public ActivationStore Run(IReadOnlyList<KeyValuePair<string, Tensor>> inputs)
    {
        var shapes = BindInputs(inputs);
        Prepare(shapes);
        var store = _store!;
        foreach (var (name, t) in inputs)
        {
            t.View.CopyTo(store[name]);
        }

        Execute(store);
        return store;
    }

    /// <summary>Runs the plan on the inputs already written into the store's input views (no copying, no allocation).</summary>
    public void RunInPlace()
    {
        var store = _store ?? throw new InvalidOperationException("call Prepare or Run first");
        Execute(store);
    }

    private void Execute(ActivationStore store)
    {
        var steps = store.Plan.Steps;
        var args = store.StepArgs;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps.Count; i++)
        {
            if (steps[i].ZeroCopy)
            {
                continue;       // a view: its producers wrote it in place
            }

            long t0 = Options.Profile ? Stopwatch.GetTimestamp() : 0;
            try
            {
                steps[i].Kernel.Run(args[i]);
            }
            catch (Exception e) when (e is not NativeCnnException)
            {
                throw new NativeCnnException($"node {steps[i].Node} failed at run time: {e.Message}", e);
            }

            if (Options.Profile)
            {
                _stepMs[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
        }

        LastRunMilliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private Dictionary<string, int[]> BindInputs(IReadOnlyList<KeyValuePair<string, Tensor>> inputs)
    {
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var (name, t) in inputs)
        {
            var decl = Graph.Inputs.FirstOrDefault(i => i.Name == name)
                ?? throw new InputMismatchException($"the model has no input named '{name}' (inputs: {string.Join(", ", Graph.Inputs.Select(i => i.Name))})");
            if (decl.DataType != DataType.Undefined && decl.DataType != t.DataType)
            {
                throw new InputMismatchException($"input '{name}' must be {decl.DataType}, got {t.DataType}");
            }

            if (decl.Shape is { } dims)
            {
                bool ok = dims.Length == t.Rank && dims.Select((d, k) => !d.IsKnown || d.Value == t.Shape[k]).All(b => b);
                if (!ok)
                {
                    throw new InputMismatchException($"input '{name}' must have shape [{string.Join(",", dims)}], got {ShapeUtil.Format(t.Shape)}");
                }
            }

            if (!shapes.TryAdd(name, t.Shape))
            {
                throw new InputMismatchException($"input '{name}' is given twice");
            }
        }

        foreach (var i in Graph.Inputs)
        {
            if (!shapes.ContainsKey(i.Name))
            {
                throw new InputMismatchException($"input '{i.Name}' is missing");
            }
        }

        return shapes;
    }

    public void Dispose()
    {
        _store?.Plan.ReleaseScratch();
        _store?.Dispose();
        _store = null;
    }
}
