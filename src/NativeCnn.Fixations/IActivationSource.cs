using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations;

/// <summary>
/// What the backtracker reads: the plan (steps in topological order, value kinds, consumers) and a zero-copy
/// view per value name. <see cref="ActivationStore"/> is the real source; anything else that holds the values of
/// one forward pass (a test harness, a store loaded from disk) can stand in.
/// </summary>
public interface IActivationSource
{
    ExecutionPlan Plan { get; }

    bool TryGet(string name, out TensorView view);
}

/// <summary>An <see cref="ActivationStore"/> as an <see cref="IActivationSource"/>.</summary>
public sealed class StoreActivationSource(ActivationStore store) : IActivationSource
{
    public ExecutionPlan Plan => store.Plan;

    public bool TryGet(string name, out TensorView view) => store.TryGet(name, out view);
}
