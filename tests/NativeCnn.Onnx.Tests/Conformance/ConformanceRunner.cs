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
                using var session = new InferenceSession(graph, new PlanOptions { Fusion = false, Profile = false });
                var store = session.Run(inputs);
                var outFiles = Numbered(set, "output_");
                if (outFiles.Count != graph.Outputs.Count)
                {
                    failures.Add($"{c.Id} {setName}: {outFiles.Count} expected outputs but the graph has {graph.Outputs.Count}");
                    continue;
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
            }
            catch (Exception e)
            {
                failures.Add($"{c.Id} {setName}: threw {e.GetType().Name}: {e.Message}");
            }
        }

        return failures.Count == 0 ? null : string.Join(Environment.NewLine, failures);
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
