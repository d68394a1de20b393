using System.CommandLine;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Cli.Commands;

/// <summary>
/// <c>nativecnn run MODEL --input FILE.pb … --out DIR [--all-values]</c>: runs a model on serialized TensorProtos and
/// writes the outputs in the ONNX node-test layout (<c>output_N.pb</c>, in graph-output order).
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var inputs = new Option<FileInfo[]>("--input")
        {
            Description = "a serialized TensorProto; matched to the graph inputs by the proto's name if set, else by order (repeat for several)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var outDir = new Option<DirectoryInfo>("--out") { Description = "folder for output_N.pb (created if missing)", Required = true };
        var allValues = new Option<bool>("--all-values") { Description = "also write every intermediate value to OUT/values/NNNN.pb (the proto carries the value's name)" };
        var noFusion = new Option<bool>("--no-fusion") { Description = "compute every value exactly as the model defines it (no BatchNormalization folding)" };
        var threads = CommonOptions.Threads();
        var exact = CommonOptions.Exact();
        var cmd = new Command("run", "run a model on TensorProto inputs and write its outputs as TensorProtos")
        {
            model, inputs, outDir, allValues, noFusion, threads, exact,
        };
        cmd.SetAction(p => CliErrors.Guard(() => Run(
            p.GetValue(model)!, p.GetValue(inputs)!, p.GetValue(outDir)!, p.GetValue(allValues), p.GetValue(noFusion),
            CommonOptions.CheckThreads(p.GetValue(threads)), p.GetValue(exact))));
        return cmd;
    }

    private static int Run(FileInfo modelFile, FileInfo[] inputFiles, DirectoryInfo outDir, bool allValues, bool noFusion, int threads, bool exact)
    {
        var graph = ModelLoading.Load(modelFile);
        var tensors = inputFiles.Select(f => OnnxTensor.Read(f.FullName)).ToList();
        var bound = BindInputs(graph.Inputs.Select(i => i.Name).ToList(), tensors, inputFiles);

        using var session = new InferenceSession(graph, new PlanOptions { Fusion = !noFusion, Threads = threads, AllowWinograd = !exact });
        var store = session.Run(bound);

        outDir.Create();
        var plan = store.Plan;
        for (int i = 0; i < plan.OutputNames.Count; i++)
        {
            string name = plan.OutputNames[i];
            OnnxTensor.Write(Path.Combine(outDir.FullName, $"output_{i}.pb"), name, store[name]);
        }

        if (allValues)
        {
            var dir = Directory.CreateDirectory(Path.Combine(outDir.FullName, "values"));
            int k = 0;
            using var index = new StreamWriter(Path.Combine(dir.FullName, "index.tsv"));
            index.WriteLine("file\tvalue\tkind\ttype");
            foreach (var name in plan.ValueOrder)
            {
                var v = plan.Values[name];
                if (v.Kind == ValueKind.Elided)
                {
                    index.WriteLine($"-\t{name}\telided (replaced by {v.ReplacedBy})\t{v.Type}");
                    continue;
                }

                string file = $"{k++:D4}.pb";
                OnnxTensor.Write(Path.Combine(dir.FullName, file), name, store[name]);
                index.WriteLine($"{file}\t{name}\t{v.Kind}\t{v.Type}");
            }
        }

        Console.WriteLine($"wrote {plan.OutputNames.Count} output(s) to {outDir.FullName} in {session.LastRunMilliseconds:F2} ms");
        return ExitCodes.Ok;
    }

    /// <summary>Matches TensorProtos to graph inputs: by the proto's name when it has one, else by position among the unnamed.</summary>
    public static List<KeyValuePair<string, Tensor>> BindInputs(IReadOnlyList<string> graphInputs, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyList<FileInfo> files)
    {
        if (tensors.Count != graphInputs.Count)
        {
            throw new CliException($"the model has {graphInputs.Count} input(s) ({string.Join(", ", graphInputs)}) but {tensors.Count} were given");
        }

        var result = new List<KeyValuePair<string, Tensor>>();
        var free = graphInputs.ToList();
        foreach (var (name, _) in tensors.Where(t => t.Name.Length > 0))
        {
            if (!graphInputs.Contains(name))
            {
                continue;
            }

            free.Remove(name);
        }

        int next = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var (name, t) = tensors[i];
            string target = name.Length > 0 && graphInputs.Contains(name) ? name
                : next < free.Count ? free[next++]
                : throw new CliException($"{files[i].Name}: cannot match tensor '{name}' to a graph input");
            result.Add(new(target, t));
        }

        return result;
    }
}
