namespace NativeCnn.Cli;

/// <summary>The exit codes of <c>nativecnn</c> (also listed in <c>nativecnn --help</c> and the README).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>The command line is wrong (unknown option, missing argument).</summary>
    public const int Usage = 1;

    /// <summary>The model is invalid or uses something NativeCnn does not support.</summary>
    public const int BadModel = 2;

    /// <summary>An input (tensor, image, class index, value name) does not fit.</summary>
    public const int BadInput = 3;

    /// <summary>A file could not be read or written.</summary>
    public const int IoError = 4;

    /// <summary>A limit was hit (memory budget, image size).</summary>
    public const int Limit = 5;

    /// <summary>A bug: an unexpected exception. Please report it with the command line.</summary>
    public const int Internal = 70;

    public const string Help =
        "exit codes: 0 ok, 1 usage, 2 invalid or unsupported model, 3 bad input (tensor, image, class, value), " +
        "4 file read/write error, 5 resource limit, 70 internal error";
}
