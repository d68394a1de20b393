using NativeCnn.Runtime.Operators;

namespace NativeCnn.Onnx.Tests.Conformance;

/// <summary>
/// One ONNX backend conformance case (a folder with <c>model.onnx</c> and <c>test_data_set_N/</c>), with the op
/// types its graph uses (subgraphs included) and, if any, the ones the runtime has no operator for.
/// </summary>
public sealed record ConformanceCase(string Id, string Suite, string Name, string Directory, IReadOnlyList<string> OpTypes, IReadOnlyList<string> UnsupportedOps, string? ParseError)
{
    /// <summary>Suites of the shared assets' <c>onnx-node-tests</c> folder that hold runnable cases.</summary>
    public static readonly string[] Suites = ["node", "simple", "pytorch-converted", "pytorch-operator"];

    private static readonly Lazy<IReadOnlyList<ConformanceCase>> AllCases = new(Discover);

    public static IReadOnlyList<ConformanceCase> All => AllCases.Value;

    public static ConformanceCase Get(string id) => All.FirstOrDefault(c => c.Id == id) ?? throw new ArgumentException($"no conformance case '{id}'");

    /// <summary>All op types the runtime implements, so the case can run.</summary>
    public bool IsSupported => UnsupportedOps.Count == 0 && ParseError is null;

    public string? NotRunReason =>
        ParseError is not null ? $"model does not parse: {ParseError}"
        : UnsupportedOps.Count > 0 ? "unsupported op " + string.Join(", ", UnsupportedOps)
        : null;

    public override string ToString() => Id;

    private static IReadOnlyList<ConformanceCase> Discover()
    {
        string root = NativeCnn.Tests.TestAssets.Path("onnx-node-tests");
        var cases = new List<ConformanceCase>();
        foreach (string suite in Suites)
        {
            foreach (string dir in System.IO.Directory.GetDirectories(System.IO.Path.Combine(root, suite)).Order(StringComparer.Ordinal))
            {
                string model = System.IO.Path.Combine(dir, "model.onnx");
                if (!File.Exists(model))
                {
                    continue;
                }

                string name = System.IO.Path.GetFileName(dir);
                try
                {
                    var proto = OnnxModel.ParseFile(model);
                    var ops = OnnxModel.OpTypes(proto)
                        .Select(o => o.Domain is "" or "ai.onnx" ? o.OpType : $"{o.Domain}::{o.OpType}")
                        .Distinct().Order(StringComparer.Ordinal).ToList();
                    var unsupported = OnnxModel.OpTypes(proto)
                        .Where(o => OperatorRegistry.KindOf(o.OpType, o.Domain) is not { } k || OperatorRegistry.Get(k) is null)
                        .Select(o => o.Domain is "" or "ai.onnx" ? o.OpType : $"{o.Domain}::{o.OpType}")
                        .Distinct().Order(StringComparer.Ordinal).ToList();
                    cases.Add(new ConformanceCase($"{suite}/{name}", suite, name, dir, ops, unsupported, null));
                }
                catch (NativeCnn.Runtime.NativeCnnException e)
                {
                    cases.Add(new ConformanceCase($"{suite}/{name}", suite, name, dir, [], [], e.Message));
                }
            }
        }

        return cases;
    }
}
