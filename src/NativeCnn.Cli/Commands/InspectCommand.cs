using System.CommandLine;
using System.Globalization;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Cli.Commands;

/// <summary><c>nativecnn inspect MODEL</c>: inputs, outputs, every node with op, shapes, parameters and MACs.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var shapes = ModelLoading.ShapeOption();
        var cmd = new Command("inspect", "show a model's inputs, outputs and every node with its op, output shapes, parameter count and MACs")
        {
            model, shapes,
        };
        cmd.SetAction(p => CliErrors.Guard(() => Run(p.GetValue(model)!, p.GetValue(shapes) ?? [])));
        return cmd;
    }

    private static int Run(FileInfo modelFile, string[] shapeArgs)
    {
        var graph = ModelLoading.Load(modelFile);
        var inputShapes = ModelLoading.ResolveInputShapes(graph, shapeArgs);
        // Only shapes and MACs are shown: reference kernels pack and transform nothing (VGG-16: peak RSS 0.82 → 0.58 GB).
        var plan = Planner.Build(graph, inputShapes, new PlanOptions { Fusion = false, Threads = 1, ReferenceKernels = true });

        Console.WriteLine($"model   {modelFile.FullName}");
        foreach (var (k, v) in graph.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {k}: {Shorten(v, 100)}");
        }

        foreach (var i in graph.Inputs)
        {
            Console.WriteLine($"input   {i.Name}  {i.DataType} declared [{(i.Shape is null ? "?" : string.Join(",", i.Shape))}], planned {ShapeUtil.Format(inputShapes[i.Name])}");
        }

        foreach (var o in plan.OutputNames)
        {
            Console.WriteLine($"output  {o}  {plan.Values[o].Type}");
        }

        var macsByNode = plan.Steps.ToDictionary(s => s.Node, s => s.Macs);
        var table = new TextTable("#", "op", "node", "outputs", "params", "MACs");
        long totalParams = 0, totalMacs = 0;
        int index = 0;
        foreach (var node in Planner.TopologicalOrder(graph))
        {
            long parameters = node.Inputs.Where(n => n.Length > 0 && graph.Initializers.ContainsKey(n)).Sum(n => graph.Initializers[n].Length);
            long macs = macsByNode.GetValueOrDefault(node);
            totalParams += parameters;
            totalMacs += macs;
            var outs = node.Outputs.Where(o => o.Length > 0 && plan.Values.ContainsKey(o))
                .Select(o => $"{o} {plan.Values[o].Type}{(plan.Values[o].Kind == ValueKind.Constant ? " (folded)" : "")}");
            table.AddRow(
                (index++).ToString(CultureInfo.InvariantCulture),
                node.OpType,
                Shorten(node.Name, 40),
                string.Join("; ", outs),
                parameters.ToString("N0", CultureInfo.InvariantCulture),
                macs.ToString("N0", CultureInfo.InvariantCulture));
        }

        table.Print();
        // The default (fused) plan elides pre-activation values and writes Concat inputs in place: a smaller arena.
        var fused = Planner.Build(graph, inputShapes, new PlanOptions { Fusion = true, Threads = 1 });
        Console.WriteLine($"nodes {graph.Nodes.Count}, parameters {totalParams:N0}, MACs {totalMacs:N0} ({2e-9 * totalMacs:F3} GFLOP), " +
            $"activation arena {plan.ArenaBytes / 1048576.0:F1} MiB ({fused.ArenaBytes / 1048576.0:F1} MiB with fusion)");
        return ExitCodes.Ok;
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s.ReplaceLineEndings(" ") : s[..(max - 1)].ReplaceLineEndings(" ") + "…";
}
