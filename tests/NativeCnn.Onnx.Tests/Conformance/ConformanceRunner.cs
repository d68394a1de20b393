using System.Globalization;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Onnx.Tests.Conformance;

/// <summary>Runs one conformance case: every <c>test_data_set_N</c> through an unfused session, every output compared.</summary>
public static class ConformanceRunner
{
    /// <summary>Null when every output of every data set matches, else the failure text (case, data set, output, first mismatch).</summary>
    public static string? Run(ConformanceCase c)
    {
        ModelGraph graph;
        try
        {
            graph = OnnxModel.Load(Path.Combine(c.Directory, "model.onnx"));
        }
        catch (Exception e)
        {
            return $"{c.Id}: loading the model threw {e.GetType().Name}: {e.Message}";
        }

        var (rtol, atol, _) = ConformanceExclusions.Tolerances.TryGetValue(c.Id, out var tol)
            ? tol
            : (TensorComparison.DefaultRtol, TensorComparison.DefaultAtol, "");
        var sets = Directory.GetDirectories(c.Directory, "test_data_set_*").Order(StringComparer.Ordinal).ToList();
        if (sets.Count == 0)
        {
            return $"{c.Id}: no test_data_set_* folder";
        }

        var failures = new List<string>();
        foreach (string set in sets)
        {
            string setName = Path.GetFileName(set);
            try
            {
                var inputs = ReadInputs(graph, set);
                var options = new PlanOptions { Fusion = false, Profile = false };
                using var session = new InferenceSession(graph, options);
                ActivationStore store;
                try
                {
                    store = session.Run(inputs);
                }
                catch (UnsupportedOperatorException)
                {
                    // The cases feed shape operands (Reshape's shape, Slice's starts, Pad's pads and value…) as graph
                    // inputs, where a deployed model has initializers; the runtime needs them when the plan is built.
                    // Retry with the data set's integer and single-element inputs bound as initializers.
                    var (bound, rest) = BindOperandsAsConstants(graph, inputs);
                    using var retry = new InferenceSession(bound, options);
                    store = retry.Run(rest);
                    failures.AddRange(Compare(c, setName, bound, set, store, rtol, atol));
                    continue;
                }

                failures.AddRange(Compare(c, setName, graph, set, store, rtol, atol));
            }
            catch (Exception e)
            {
                failures.Add($"{c.Id} {setName}: threw {e.GetType().Name}: {e.Message}");
            }
        }

        return failures.Count == 0 ? null : string.Join(Environment.NewLine, failures);
    }

    /// <summary>
    /// A copy of <paramref name="graph"/> in which the inputs of an integer type or with at most one element become
    /// initializers holding the data set's values; returns it with the inputs that are still fed at run time.
    /// </summary>
    public static (ModelGraph Graph, List<KeyValuePair<string, Tensor>> Inputs) BindOperandsAsConstants(ModelGraph graph, List<KeyValuePair<string, Tensor>> inputs)
    {
        static bool IsOperand(Tensor t) => !t.DataType.IsFloatingPoint() || t.Length <= 1;
        var constant = inputs.Where(kv => IsOperand(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var bound = new ModelGraph
        {
            Name = graph.Name, Nodes = graph.Nodes, Outputs = graph.Outputs, ValueInfos = graph.ValueInfos,
            OpsetVersions = graph.OpsetVersions, Metadata = graph.Metadata, DocString = graph.DocString,
            Inputs = graph.Inputs.Where(i => !constant.ContainsKey(i.Name)).ToList(),
            Initializers = new Dictionary<string, Tensor>(graph.Initializers, StringComparer.Ordinal),
        };
        foreach (var (name, t) in constant)
        {
            bound.Initializers[name] = t;
        }

        return (bound, inputs.Where(kv => !constant.ContainsKey(kv.Key)).ToList());
    }

    /// <summary>Every output of one data set against the expected <c>output_N.pb</c>; the mismatches.</summary>
    private static List<string> Compare(ConformanceCase c, string setName, ModelGraph graph, string set, ActivationStore store, double rtol, double atol)
    {
        var failures = new List<string>();
        var outFiles = Numbered(set, "output_");
        if (outFiles.Count != graph.Outputs.Count)
        {
            failures.Add($"{c.Id} {setName}: {outFiles.Count} expected outputs but the graph has {graph.Outputs.Count}");
            return failures;
        }

        for (int i = 0; i < outFiles.Count; i++)
        {
            var (name, expected) = OnnxTensor.Read(outFiles[i]);
            string outName = name.Length > 0 && graph.Outputs.Any(o => o.Name == name) ? name : graph.Outputs[i].Name;
            if (!store.TryGet(outName, out var actual))
            {
                failures.Add($"{c.Id} {setName}: output '{outName}' is not in the activation store");
                continue;
            }

            if (TensorComparison.Compare(expected, actual, rtol, atol) is { } diff)
            {
                failures.Add($"{c.Id} {setName}: output '{outName}' (#{i}): {diff}");
            }
        }

        return failures;
    }

    /// <summary>The input tensors of a data set, matched to graph inputs by their proto name, else by position.</summary>
    public static List<KeyValuePair<string, Tensor>> ReadInputs(ModelGraph graph, string setDirectory)
    {
        var files = Numbered(setDirectory, "input_");
        var result = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < files.Count; i++)
        {
            var (name, t) = OnnxTensor.Read(files[i]);
            string bound = name.Length > 0 && graph.Inputs.Any(x => x.Name == name) ? name
                : i < graph.Inputs.Count ? graph.Inputs[i].Name
                : throw new InputMismatchException($"{Path.GetFileName(files[i])} ('{name}') matches no graph input");
            result.Add(new(bound, t));
        }

        return result;
    }

    /// <summary>Files <c>prefixN.pb</c> in numeric order.</summary>
    private static List<string> Numbered(string dir, string prefix) =>
        Directory.GetFiles(dir, prefix + "*.pb")
            .Select(f => (f, n: int.TryParse(Path.GetFileNameWithoutExtension(f)[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : -1))
            .Where(x => x.n >= 0).OrderBy(x => x.n).Select(x => x.f).ToList();
}
