using System.CommandLine;
using NativeCnn.Cli.Commands;

namespace NativeCnn.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand(
            "nativecnn: run convolutional networks from ONNX files on the CPU, keep every activation, and explain " +
            "predictions with CNN Fixations.\n" + ExitCodes.Help);
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ClassifyCommand.Create());
        root.Subcommands.Add(ExplainCommand.Create());
        root.Subcommands.Add(ActivationsCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                Console.Error.WriteLine($"nativecnn: usage: {e.Message}");
            }

            return ExitCodes.Usage;
        }

        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
