using System.Reflection;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Operators;

/// <summary>Marks the one <see cref="Operator"/> class that implements an <see cref="OpKind"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class OperatorAttribute(OpKind kind) : Attribute
{
    public OpKind Kind { get; } = kind;
}

/// <summary>
/// An operator: validates a node's attributes and input types/shapes at plan time, declares its outputs (and any
/// auxiliary values it keeps, such as max-pool argmax indices), and returns the kernel that computes it.
/// Operators are stateless; everything a node needs travels in the kernel instance it returns.
/// </summary>
public abstract class Operator
{
    /// <summary>
    /// Called once per node when a plan is built. Read attributes and inputs from <paramref name="ctx"/>, call
    /// <see cref="NodeContext.SetOutput"/> for every present output, and return the kernel. Throw (via
    /// <see cref="NodeContext.Error"/>) on anything invalid or unsupported.
    /// </summary>
    public abstract IKernel Plan(NodeContext ctx);

    /// <summary>Whether a node whose inputs are all constants may be evaluated at plan time.</summary>
    public virtual bool CanFold => true;

    /// <summary>
    /// True when the outputs depend only on the input types and shapes, never on the elements (Shape). The planner
    /// then folds the node at plan time even if its inputs are activations: the kernel runs once on views that
    /// carry the input shapes but no data (null pointers), so it must not read them.
    /// </summary>
    public virtual bool NeedsOnlyInputShapes => false;
}

/// <summary>Finds the operator for each <see cref="OpKind"/> (one class per kind, found by its attribute).</summary>
public static class OperatorRegistry
{
    private static readonly Dictionary<OpKind, Operator> Operators = Discover();

    public static IReadOnlyDictionary<OpKind, Operator> All => Operators;

    /// <summary>The op kind of a node of the default domain, or null if the runtime has none.</summary>
    public static OpKind? KindOf(string opType, string domain)
    {
        if (domain is not ("" or "ai.onnx"))
        {
            return null;
        }

        return Enum.TryParse<OpKind>(opType, ignoreCase: false, out var k) && Enum.IsDefined(k) && k.ToString() == opType ? k : null;
    }

    public static Operator? Get(OpKind kind) => Operators.GetValueOrDefault(kind);

    private static Dictionary<OpKind, Operator> Discover()
    {
        var map = new Dictionary<OpKind, Operator>();
        foreach (var type in typeof(Operator).Assembly.GetTypes())
        {
            var attr = type.GetCustomAttribute<OperatorAttribute>();
            if (attr is null || type.IsAbstract || !typeof(Operator).IsAssignableFrom(type))
            {
                continue;
            }

            if (map.ContainsKey(attr.Kind))
            {
                throw new InvalidOperationException($"two operator classes claim {attr.Kind}");
            }

            map[attr.Kind] = (Operator)Activator.CreateInstance(type)!;
        }

        return map;
    }
}
