using System.CommandLine;
using System.Globalization;
using NativeCnn.Onnx;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Cli;

/// <summary>Loading a model file and choosing concrete input shapes.</summary>
public static class ModelLoading
{
    public static ModelGraph Load(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new CliException($"model file '{file.FullName}' does not exist", ExitCodes.IoError);
        }

        return OnnxModel.Load(file.FullName);
    }

    public static Option<string[]> ShapeOption() => new("--shape")
    {
        Description = "concrete shape for an input with symbolic dimensions, as NAME=1,3,224,224 (repeatable); unknown dims default to 1",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Declared shapes with symbolic dims set to 1, overridden by <c>--shape NAME=d,d,…</c>.</summary>
    public static Dictionary<string, int[]> ResolveInputShapes(ModelGraph graph, IEnumerable<string> overrides)
    {
        var shapes = graph.Inputs.ToDictionary(i => i.Name, i => (i.Shape ?? []).Select(d => d.IsKnown ? checked((int)d.Value) : 1).ToArray(), StringComparer.Ordinal);
        foreach (var o in overrides)
        {
            int eq = o.IndexOf('=', StringComparison.Ordinal);
            string name = eq > 0 ? o[..eq] : graph.Inputs.Count == 1 ? graph.Inputs[0].Name : throw new CliException($"--shape '{o}': name the input (NAME=dims)", ExitCodes.Usage);
            if (!shapes.ContainsKey(name))
            {
                throw new CliException($"--shape: the model has no input '{name}'", ExitCodes.Usage);
            }

            try
            {
                shapes[name] = o[(eq + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            }
            catch (FormatException)
            {
                throw new CliException($"--shape '{o}': dims must be integers separated by commas", ExitCodes.Usage);
            }
        }

        return shapes;
    }
}
