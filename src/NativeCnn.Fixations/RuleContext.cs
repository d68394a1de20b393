using System.Runtime.CompilerServices;
using NativeCnn.Fixations.Internal;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations;

/// <summary>
/// What a rule sees for one step: the step, the fixations of its outputs, zero-copy views of its inputs and
/// outputs, the options, and <see cref="Add"/> to send a fixation to an input. Fixations sent to constants
/// (weights, folded values) are dropped: constants never get fixations.
/// </summary>
public sealed class RuleContext
{
    private readonly IActivationSource _source;
    private readonly Backtracker.Walk _walk;
    private PlanStep _step = null!;
    private long[][] _outputFixations = [];

    internal RuleContext(IActivationSource source, FixationOptions options, Backtracker.Walk walk)
    {
        _source = source;
        Options = options;
        _walk = walk;
        Opset = source.Plan.Graph.DefaultOpset();
    }

    public FixationOptions Options { get; }

    public ExecutionPlan Plan => _source.Plan;

    public PlanStep Step => _step;

    public Node Node => _step.Node;

    public OpKind Kind => _step.Kind;

    /// <summary>The model's default operator-set version (rules switch on it where attributes became inputs).</summary>
    public long Opset { get; }

    /// <summary>Bytes of activations and weights read so far in this backtrack.</summary>
    public long BytesRead { get; private set; }

    internal int Emitted { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Reset(PlanStep step, long[][] outputFixations)
    {
        _step = step;
        _outputFixations = outputFixations;
        Emitted = 0;
        // Resolve each input's fixation set once per step: rules call Add per point, often millions of times.
        if (_targets.Length < step.Inputs.Length)
        {
            _targets = new PendingSet?[step.Inputs.Length];
        }

        for (int i = 0; i < step.Inputs.Length; i++)
        {
            _targets[i] = IsConstant(i) ? null : _walk.SetOf(step.Inputs[i]);
        }
    }

    private PendingSet?[] _targets = [];

    public int OutputCount => _step.Outputs.Length;

    /// <summary>Sorted unique flat indices of the fixations at output <paramref name="i"/> (empty if none).</summary>
    public ReadOnlySpan<long> OutputFixations(int i) => i < _outputFixations.Length ? _outputFixations[i] : [];

    public bool HasInput(int i) => i < _step.Inputs.Length && _step.Inputs[i].Length > 0;

    /// <summary>The view of input <paramref name="i"/>.</summary>
    public TensorView Input(int i) =>
        HasInput(i) ? Value(_step.Inputs[i]) : throw Error($"input {i} is absent");

    /// <summary>The view of output <paramref name="i"/>.</summary>
    public TensorView Output(int i) => Value(_step.Outputs[i]);

    /// <summary>The view of any stored value.</summary>
    public TensorView Value(string name) =>
        _source.TryGet(name, out var v) ? v : throw Error($"value '{name}' is not in the activation store (elided by a fusion? plan with Fusion = false)");

    public bool TryValue(string name, out TensorView view) => _source.TryGet(name, out view);

    /// <summary>Whether input <paramref name="i"/> is a constant (weights, folded values), which never gets fixations.</summary>
    public bool IsConstant(int i) => !HasInput(i) || IsConstantValue(_step.Inputs[i]);

    public bool IsConstantValue(string name) =>
        !Plan.Values.TryGetValue(name, out var v) || v.Kind == ValueKind.Constant;

    /// <summary>Sends the fixation with flat index <paramref name="flatIndex"/> to input <paramref name="i"/> (dropped for constants).</summary>
    public void Add(int i, long flatIndex)
    {
        Emitted++;
        _targets[i]?.Add(flatIndex);
    }

    /// <summary>Sends <paramref name="count"/> fixations at once (they were counted and de-duplicated by the rule).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddRange(int i, ReadOnlySpan<long> flatIndices)
    {
        Emitted += flatIndices.Length;
        _targets[i]?.AddRange(flatIndices);
    }

    /// <summary>
    /// Records a fixation on auxiliary value <paramref name="auxiliary"/> of the step (e.g. the per-step hidden states
    /// of an LSTM), so that the result shows the path through it. Recorded points are not backtracked further.
    /// </summary>
    public void Record(int auxiliary, long flatIndex) => _walk.Add(_step.Auxiliary[auxiliary], flatIndex);

    /// <summary>Counts bytes read through views (reported as <see cref="FixationResult.BytesRead"/>).</summary>
    public void CountRead(long bytes) => BytesRead += bytes;

    /// <summary>Longest path, in steps, from a graph input to <paramref name="value"/> (0 for inputs and constants).</summary>
    public int Depth(string value) => _walk.Depth(value);

    /// <summary>
    /// Whether <paramref name="value"/> is a flattened C×H×W value with H·W &gt; 1 (<see cref="FlattenedFeatureMap"/>,
    /// the planner's own test, over this plan's steps: a fused step's node is its first node).
    /// </summary>
    public bool IsFlattenedSpatial(string value) => FlattenedFeatureMap.Is(value,
        v => _source.TryGet(v, out var view) ? view.Shape : null,
        v => Plan.Values.TryGetValue(v, out var pv) && pv.Producer >= 0 ? Plan.Steps[pv.Producer].Node : null);

    /// <summary>A <see cref="FixationException"/> naming the step's node and op.</summary>
    public FixationException Error(string message) =>
        new($"fixation rule for {_step.Kind} at node {_step.Node} (step {_step.Index}): {message}");

    /// <summary>Throws unless the view holds float32 (the element type every rule reads).</summary>
    public void ExpectFloat(TensorView v, string what)
    {
        if (v.DataType != DataType.Float32)
        {
            throw Error($"{what} has type {v.DataType}; the rules read float32 activations");
        }

        if (!v.IsContiguous)
        {
            throw Error($"{what} is not dense row-major");
        }
    }
}
