using System.CommandLine;

namespace NativeCnn.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
public static class CommonOptions
{
    public static Argument<FileInfo> Model() => new("model") { Description = "the ONNX model file" };

    public static Option<int> Threads() => new("--threads")
    {
        Description = "threads for the forward pass (results are identical for any count)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<bool> Exact() => new("--exact")
    {
        Description = "exact kernels only: no Winograd convolutions (they do fewer multiplications and round differently); slower",
    };

    public static int CheckThreads(int threads) =>
        threads is >= 1 and <= 1024 ? threads : throw new CliException($"--threads must be between 1 and 1024, got {threads}", ExitCodes.Usage);
}
