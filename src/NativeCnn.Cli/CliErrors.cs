using NativeCnn.Runtime;

namespace NativeCnn.Cli;

/// <summary>An error in what the user asked for, reported as one line with the given exit code.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.BadInput) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Turns every expected failure into one clear line on stderr and an exit code; no stack traces.</summary>
public static class CliErrors
{
    public static int Guard(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e)
        {
            (int code, string kind) = Classify(e);
            Console.Error.WriteLine($"nativecnn: {kind}: {e.Message}");
            if (code == ExitCodes.Internal)
            {
                Console.Error.WriteLine("nativecnn: this is a bug; set NATIVECNN_DEBUG=1 for the stack trace");
                if (Environment.GetEnvironmentVariable("NATIVECNN_DEBUG") == "1")
                {
                    Console.Error.WriteLine(e);
                }
            }

            return code;
        }
    }

    public static (int Code, string Kind) Classify(Exception e) => e switch
    {
        CliException c => (c.ExitCode, "error"),
        Fixations.UnknownValueException or Fixations.UnknownClassException => (ExitCodes.BadInput, "input error"),
        Fixations.FixationException => (ExitCodes.BadModel, "fixation error"),
        Imaging.ImageDecodeException => (ExitCodes.BadInput, "image error"),
        InputMismatchException => (ExitCodes.BadInput, "input error"),
        ResourceLimitException => (ExitCodes.Limit, "limit"),
        UnsupportedOperatorException or UnsupportedDataTypeException => (ExitCodes.BadModel, "unsupported"),
        InvalidModelException => (ExitCodes.BadModel, "invalid model"),
        NativeCnnException => (ExitCodes.BadModel, "error"),
        FileNotFoundException or DirectoryNotFoundException => (ExitCodes.IoError, "not found"),
        UnauthorizedAccessException or IOException => (ExitCodes.IoError, "i/o error"),
        _ => (ExitCodes.Internal, $"internal error ({e.GetType().Name})"),
    };
}
