using System.Reflection;
using NativeCnn.Fixations.Rules;
using NativeCnn.Runtime.Operators;

namespace NativeCnn.Fixations;

/// <summary>
/// The rule for each <see cref="OpKind"/>, found by reflection on <see cref="FixationRuleAttribute"/>, and the
/// documented list of kinds that have none. Every kind is in exactly one of the two (a test checks).
/// </summary>
public static class FixationRules
{
    private static readonly Dictionary<OpKind, FixationRule> Rules = Discover();

    /// <summary>Op kinds without a rule, and why. Reaching one of them in a backtrack is a <see cref="FixationException"/>.</summary>
    public static IReadOnlyDictionary<OpKind, string> NoRule { get; } = new Dictionary<OpKind, string>
    {
        [OpKind.Constant] = "has no inputs and is always folded into a constant at plan time; constants never get fixations",
        [OpKind.ConstantOfShape] = "its output depends only on a shape (a plan-time constant), so it is always folded; constants never get fixations",
        [OpKind.Shape] = "its output is shape metadata, not a function of activation values; the rules of its consumers " +
                         "(Reshape, Slice, Gather indices…) send fixations only to data inputs, so none can reach it",
    };

    public static IReadOnlyDictionary<OpKind, FixationRule> All => Rules;

    public static FixationRule? Get(OpKind kind) => Rules.GetValueOrDefault(kind);

    private static Dictionary<OpKind, FixationRule> Discover()
    {
        var map = new Dictionary<OpKind, FixationRule>();
        foreach (var type in typeof(FixationRule).Assembly.GetTypes())
        {
            var attr = type.GetCustomAttribute<FixationRuleAttribute>();
            if (attr is null || type.IsAbstract || !typeof(FixationRule).IsAssignableFrom(type))
            {
                continue;
            }

            var rule = (FixationRule)Activator.CreateInstance(type, nonPublic: true)!;
            foreach (var k in attr.Kinds)
            {
                if (!map.TryAdd(k, rule))
                {
                    throw new InvalidOperationException($"two fixation rules claim {k}");
                }
            }
        }

        return map;
    }
}
