using System.Runtime.InteropServices;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Execution;

/// <summary>
/// Every value of one forward pass, addressable by its model name: one 64-byte-aligned native arena holds the
/// inputs, every activation and the auxiliary values kernels keep (max-pool argmax indices, recurrent gates and
/// states); constants are views of their pinned tensors; values a fusion elided are listed with the value that
/// replaces them. Nothing is recycled: after a run, everything the forward pass computed is here. A value written in
/// place into another (a zero-copy Concat input, a Dropout/Identity output; <see cref="PlannedValue.AliasOf"/>) has
/// no slot of its own: its view is the matching dense run of the other value's slot.
/// <para>
/// Layout: every value is dense row-major in the model's own axis order (NCHW for images, ONNX semantics), so
/// a value's view is exactly the tensor the model defines. The store is reused by every run of the session
/// with the same input shapes; views stay valid until the session is re-planned or disposed.
/// </para>
/// </summary>
public sealed unsafe class ActivationStore : IDisposable
{
    private readonly Dictionary<string, TensorView> _views = new(StringComparer.Ordinal);
    private byte* _arena;

    internal ActivationStore(ExecutionPlan plan)
    {
        Plan = plan;
        ArenaBytes = plan.ArenaBytes;
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(plan.ArenaBytes, 64), 64);
        if (_arena is null)
        {
            throw new ResourceLimitException($"could not allocate an activation arena of {plan.ArenaBytes:N0} bytes");
        }

        NativeMemory.Clear(_arena, (nuint)Math.Max(plan.ArenaBytes, 64));
        foreach (var (name, v) in plan.Values)
        {
            switch (v.Kind)
            {
                case ValueKind.Constant:
                    _views[name] = v.Constant!.View;
                    break;
                case ValueKind.Elided:
                    break;
                default:
                    _views[name] = new TensorView(v.Type.DataType, v.Type.Shape, (nint)(_arena + v.Offset), this);
                    break;
            }
        }

        StepArgs = new KernelArgs[plan.Steps.Count];
        foreach (var s in plan.Steps)
        {
            StepArgs[s.Index] = new KernelArgs(
                s.Inputs.Select(n => n.Length > 0 ? _views[n] : default).ToArray(),
                s.Outputs.Select(n => n.Length > 0 ? _views[n] : default).ToArray(),
                s.Auxiliary.Select(n => _views[n]).ToArray(),
                Math.Max(1, plan.Options.Threads));
        }
    }

    public ExecutionPlan Plan { get; }

    public long ArenaBytes { get; }

    /// <summary>Names of every stored value (inputs, activations, auxiliary values, constants), in plan order first.</summary>
    public IEnumerable<string> Names => Plan.ValueOrder.Concat(Plan.Values.Keys.Except(Plan.ValueOrder)).Where(_views.ContainsKey);

    internal KernelArgs[] StepArgs { get; }

    /// <summary>The view of a value by name. Throws <see cref="KeyNotFoundException"/> naming the value (and, for an elided value, what replaces it).</summary>
    public TensorView this[string name]
    {
        get
        {
            ObjectDisposedException.ThrowIf(_arena is null, this);
            if (_views.TryGetValue(name, out var v))
            {
                return v;
            }

            if (Plan.Values.TryGetValue(name, out var pv) && pv.Kind == ValueKind.Elided)
            {
                throw new KeyNotFoundException($"value '{name}' was elided by a fusion ({pv.Description}); read '{StoredReplacement(name)}' instead, or plan with Fusion = false");
            }

            throw new KeyNotFoundException($"the model has no value named '{name}'");
        }
    }

    public bool TryGet(string name, out TensorView view) => _views.TryGetValue(name, out view);

    public bool Contains(string name) => _views.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> was elided by a fusion, and which value replaces it.</summary>
    public bool IsElided(string name, out string? replacedBy)
    {
        replacedBy = null;
        if (Plan.Values.TryGetValue(name, out var pv) && pv.Kind == ValueKind.Elided)
        {
            replacedBy = pv.ReplacedBy;
            return true;
        }

        return false;
    }

    /// <summary>
    /// The stored value that stands for <paramref name="name"/>: the value itself if it is stored, else the end of its
    /// chain of replacements (a conv output elided by a folded BatchNormalization whose output was elided in turn by a
    /// fused Relu is replaced, in the end, by the Relu output). Null for an unknown name.
    /// </summary>
    public string? StoredReplacement(string name)
    {
        for (int guard = 0; guard < 64 && name is not null; guard++)
        {
            if (_views.ContainsKey(name))
            {
                return name;
            }

            name = Plan.Values.TryGetValue(name, out var pv) && pv.Kind == ValueKind.Elided ? pv.ReplacedBy! : null!;
        }

        return null;
    }

    public void Dispose()
    {
        if (_arena is not null)
        {
            NativeMemory.AlignedFree(_arena);
            _arena = null;
        }
    }
}
