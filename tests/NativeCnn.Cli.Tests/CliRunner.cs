using NativeCnn.Cli;

namespace NativeCnn.Cli.Tests;

/// <summary>Runs <c>nativecnn</c> in-process with captured stdout/stderr (tests using it share one collection: the console is global).</summary>
public static class CliRunner
{
    private static readonly Lock Gate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out;
            var oldErr = Console.Error;
            var o = new StringWriter();
            var e = new StringWriter();
            Console.SetOut(o);
            Console.SetError(e);
            try
            {
                int code = Program.Main(args);
                return (code, o.ToString(), e.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }

    public static string TempDir(string name)
    {
        string d = Path.Combine(Path.GetTempPath(), "nativecnn-cli-tests", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }
}

[CollectionDefinition("cli", DisableParallelization = true)]
public sealed class CliCollection;
