using System.Text;
using Xunit.Abstractions;

namespace NativeCnn.Onnx.Tests.Conformance;

/// <summary>
/// The ONNX backend conformance cases (shared assets, <c>onnx-node-tests</c>). Every case whose op types the
/// runtime implements runs, unless <see cref="ConformanceExclusions"/> lists it with a reason; a wrong result or
/// an exception fails the case. Select cases by name: <c>dotnet test --filter "DisplayName~test_conv"</c>.
/// </summary>
public class ConformanceTests(ITestOutputHelper output)
{
    /// <summary>Ids of the cases that run: all ops supported, not excluded.</summary>
    public static IEnumerable<object[]> RunnableCases() =>
        ConformanceCase.All.Where(c => c.IsSupported && !ConformanceExclusions.Cases.ContainsKey(c.Id)).Select(c => new object[] { c.Id });

    [Theory]
    [MemberData(nameof(RunnableCases))]
    public void Case(string id)
    {
        var c = ConformanceCase.Get(id);
        output.WriteLine($"{id}: ops {string.Join(", ", c.OpTypes)}");
        string? failure = ConformanceRunner.Run(c);
        Assert.True(failure is null, failure);
    }

    [Fact]
    public void ExclusionTableIsValidAndSummaryIsPrinted()
    {
        var all = ConformanceCase.All;
        Assert.True(all.Count > 1000, $"only {all.Count} conformance cases found under {NativeCnn.Tests.TestAssets.Path("onnx-node-tests")}");
        var byId = all.ToDictionary(c => c.Id, StringComparer.Ordinal);

        var problems = new List<string>();
        foreach (var (id, reason) in ConformanceExclusions.Cases)
        {
            if (!byId.ContainsKey(id))
            {
                problems.Add($"exclusion '{id}' names no existing case");
            }

            if (string.IsNullOrWhiteSpace(reason))
            {
                problems.Add($"exclusion '{id}' has no reason");
            }
        }

        foreach (var (id, tol) in ConformanceExclusions.Tolerances)
        {
            if (!byId.ContainsKey(id) || string.IsNullOrWhiteSpace(tol.Reason) || tol.Rtol < 0 || tol.Atol < 0)
            {
                problems.Add($"tolerance override '{id}' names no existing case, has no reason or a negative tolerance");
            }
        }

        // Every case is exactly one of: run by the theory, excluded with a reason, not run for an unsupported op.
        var runnable = RunnableCases().Select(r => (string)r[0]).ToHashSet(StringComparer.Ordinal);
        foreach (var c in all.Where(c => c.IsSupported && !runnable.Contains(c.Id)))
        {
            if (!ConformanceExclusions.Cases.TryGetValue(c.Id, out var reason) || string.IsNullOrWhiteSpace(reason))
            {
                problems.Add($"supported case '{c.Id}' is neither run nor excluded with a reason");
            }
        }

        output.WriteLine(Summary(all));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    private static string Summary(IReadOnlyList<ConformanceCase> all)
    {
        var sb = new StringBuilder();
        int run = all.Count(c => c.IsSupported && !ConformanceExclusions.Cases.ContainsKey(c.Id));
        int excluded = all.Count(c => c.IsSupported && ConformanceExclusions.Cases.ContainsKey(c.Id));
        int unsupported = all.Count(c => !c.IsSupported);
        sb.AppendLine($"conformance cases: {all.Count} total, {run} run, {excluded} excluded, {unsupported} not run (unsupported op or unparsable)");
        foreach (var suite in ConformanceCase.Suites)
        {
            var s = all.Where(c => c.Suite == suite).ToList();
            sb.AppendLine($"  {suite,-18} {s.Count,5} cases, {s.Count(c => c.IsSupported && !ConformanceExclusions.Cases.ContainsKey(c.Id)),5} run");
        }

        sb.AppendLine();
        sb.AppendLine("excluded:");
        foreach (var c in all.Where(c => ConformanceExclusions.Cases.ContainsKey(c.Id)))
        {
            sb.AppendLine($"  {c.Id}: {ConformanceExclusions.Cases[c.Id]}{(c.IsSupported ? "" : " (also: " + c.NotRunReason + ")")}");
        }

        sb.AppendLine();
        sb.AppendLine($"{"op",-40} {"cases",6} {"run",6} {"excl",6} {"blocked",8}");
        var ops = all.SelectMany(c => c.OpTypes).Distinct().Order(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            var cs = all.Where(c => c.OpTypes.Contains(op)).ToList();
            int r = cs.Count(c => c.IsSupported && !ConformanceExclusions.Cases.ContainsKey(c.Id));
            int x = cs.Count(c => c.IsSupported && ConformanceExclusions.Cases.ContainsKey(c.Id));
            sb.AppendLine($"{op,-40} {cs.Count,6} {r,6} {x,6} {cs.Count - r - x,8}");
        }

        sb.AppendLine();
        sb.AppendLine("ops most often blocking a case (case count):");
        foreach (var g in all.SelectMany(c => c.UnsupportedOps).GroupBy(o => o).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(40))
        {
            sb.AppendLine($"  {g.Key,-40} {g.Count(),5}");
        }

        foreach (var c in all.Where(c => c.ParseError is not null))
        {
            sb.AppendLine($"  unparsable: {c.Id}: {c.ParseError}");
        }

        return sb.ToString();
    }
}
