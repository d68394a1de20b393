using NativeCnn.Runtime.Execution;
using Xunit.Abstractions;

namespace NativeCnn.Fixations.Tests;

/// <summary>The fast backtracker against the slow reference, value by value, on every architecture kind.</summary>
public sealed class AgreementTests(ITestOutputHelper output)
{
    public static readonly FixationOptions Alternative = new()
    {
        ConvLocation = ConvLocation.ArgmaxInWindow,
        FcAfterFlatten = FcAfterFlatten.AllPositive,
        AveragePool = AveragePoolRule.AllPositive,
    };

    public static TheoryData<string, bool, bool> Cases()
    {
        var d = new TheoryData<string, bool, bool>();
        foreach (var a in Architectures.Names)
        {
            d.Add(a, false, true);
            d.Add(a, true, true);
        }

        d.Add("resnet", false, false);
        d.Add("densenet", true, false);
        return d;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FastAgreesWithReference(string arch, bool alternative, bool fusion)
    {
        var options = alternative ? Alternative : FixationOptions.Default;
        foreach (int seed in new[] { 1, 2, 3 })
        {
            var net = Architectures.Build(arch, seed);
            var (session, store) = net.Run(seed: seed + 10, fusion: fusion);
            using (session)
            {
                var results = new Backtracker(options).Backtrack(store, [StartPoint.TopK(3)]);
                Assert.Equal(3, results.Count);
                var reference = new ReferenceBacktracker(store);
                foreach (var r in results)
                {
                    var expected = reference.Run(r.Start.Value, r.Start.FlatIndex, options);
                    AssertSame(expected, r, $"{arch} seed {seed} class {r.Start.FlatIndex} options {options} fusion {fusion}");
                }

                var input = results[0][net.Input];
                Assert.NotNull(input);
                output.WriteLine($"{arch} seed {seed}: {results[0].Values.Count} values, {input!.Count} input fixations, " +
                                 $"{results[0].InputPoints.Count} points, {results[0].BytesRead:N0} bytes read");
            }
        }
    }

    internal static void AssertSame(Dictionary<string, SortedSet<long>> expected, FixationResult actual, string what)
    {
        var exp = expected.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.True(exp.Keys.Order().SequenceEqual(actual.Values.Select(v => v.Name).Order()),
            $"{what}: values differ: expected [{string.Join(",", exp.Keys.Order())}] got [{string.Join(",", actual.Values.Select(v => v.Name).Order())}]");
        foreach (var (name, set) in exp)
        {
            var got = actual[name]!.Indices;
            Assert.True(set.SequenceEqual(got),
                $"{what}: value {name}: expected [{string.Join(",", set.Take(20))}] ({set.Count}) got [{string.Join(",", got.Take(20))}] ({got.Count})");
        }
    }
}
