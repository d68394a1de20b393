namespace NativeCnn.Tests;

/// <summary>
/// Locates the shared assets folder (models, images, ONNX conformance cases). It lives outside the repository;
/// NATIVECNN_ASSETS overrides the default <c>../shared/assets</c> relative to the repository root. A missing
/// folder is an error, never a skip.
/// </summary>
public static class TestAssets
{
    public const string EnvironmentVariable = "NATIVECNN_ASSETS";

    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "NativeCnn.sln")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new InvalidOperationException("cannot find NativeCnn.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>Path of an asset, which must exist.</summary>
    public static string Path(params string[] parts)
    {
        string p = System.IO.Path.Combine([Root, .. parts]);
        if (!File.Exists(p) && !Directory.Exists(p))
        {
            throw new FileNotFoundException($"shared asset '{System.IO.Path.Combine(parts)}' is missing under {Root} (set {EnvironmentVariable} to the assets folder)", p);
        }

        return p;
    }

    private static string Locate()
    {
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        string root = string.IsNullOrEmpty(env) ? System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "assets")) : env;
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException(
                $"the shared assets folder '{root}' does not exist; set {EnvironmentVariable} to the folder holding models/, images/ and onnx-node-tests/");
        }

        return root;
    }
}
