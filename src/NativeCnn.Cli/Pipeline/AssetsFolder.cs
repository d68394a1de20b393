namespace NativeCnn.Cli.Pipeline;

/// <summary>
/// Where the shared assets (labels, example models and images) are: <c>NATIVECNN_ASSETS</c> if set, else the first
/// ancestor of the model file that looks like the assets folder (it holds <c>labels/</c> and <c>models/</c>),
/// else <c>../shared/assets</c> from the current folder.
/// </summary>
public static class AssetsFolder
{
    public const string EnvironmentVariable = "NATIVECNN_ASSETS";

    public static string? Find(string? modelPath)
    {
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(env)
                ? env
                : throw new CliException($"{EnvironmentVariable}='{env}' is not a folder", ExitCodes.IoError);
        }

        for (var dir = modelPath is null ? null : new FileInfo(modelPath).Directory; dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "labels")) && Directory.Exists(Path.Combine(dir.FullName, "models")))
            {
                return dir.FullName;
            }
        }

        string fallback = Path.GetFullPath(Path.Combine("..", "shared", "assets"));
        return Directory.Exists(fallback) ? fallback : null;
    }
}
