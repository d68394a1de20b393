namespace NativeCnn.Onnx;

/// <summary>
/// Resolves the <c>location</c> of an ONNX external-data entry against the model's folder. The location must be
/// a relative path that stays inside that folder once every symbolic link is followed: absolute paths,
/// <c>..</c> segments and links that lead out of the folder are rejected, so a model cannot make the loader
/// read arbitrary files.
/// </summary>
internal static class ExternalData
{
    // Bound on symbolic links followed while resolving one path (the Linux kernel uses 40 as well).
    private const int MaxLinkHops = 40;

    public static string Resolve(string location, string? baseDirectory, string tensorName)
    {
        if (baseDirectory is null)
        {
            throw new OnnxFormatException(
                $"tensor '{tensorName}' keeps its data in external file '{location}', but the model was loaded without a folder to resolve it against");
        }

        if (string.IsNullOrEmpty(location) || location.Contains('\0'))
        {
            throw new OnnxFormatException($"tensor '{tensorName}' has an empty or invalid external data location");
        }

        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\') || (location.Length > 1 && location[1] == ':'))
        {
            throw new OnnxFormatException($"tensor '{tensorName}': external data location '{location}' is absolute; it must be relative to the model's folder");
        }

        if (location.Split('/', '\\').Any(s => s == ".."))
        {
            throw new OnnxFormatException($"tensor '{tensorName}': external data location '{location}' leaves the model's folder");
        }

        string realBase = RealPath(Path.GetFullPath(baseDirectory), tensorName);
        string realFile = RealPath(Path.GetFullPath(Path.Combine(baseDirectory, location)), tensorName);
        string prefix = realBase.EndsWith(Path.DirectorySeparatorChar) ? realBase : realBase + Path.DirectorySeparatorChar;
        if (!realFile.StartsWith(prefix, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new OnnxFormatException($"tensor '{tensorName}': external data location '{location}' resolves to '{realFile}', outside the model's folder '{realBase}'");
        }

        if (!File.Exists(realFile))
        {
            throw new OnnxFormatException($"tensor '{tensorName}': external data file '{location}' does not exist in '{realBase}'");
        }

        return realFile;
    }

    /// <summary>The absolute path with every symbolic link (of any component) followed; missing components are kept as written.</summary>
    private static string RealPath(string fullPath, string tensorName)
    {
        int hops = 0;
        string path = fullPath;
    restart:
        string root = Path.GetPathRoot(path) ?? "/";
        var parts = path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        string current = root;
        for (int i = 0; i < parts.Length; i++)
        {
            string candidate = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(candidate) ? new DirectoryInfo(candidate) : new FileInfo(candidate);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new OnnxFormatException($"tensor '{tensorName}': too many symbolic links while resolving '{fullPath}'");
                }

                string resolved = Path.GetFullPath(target, current);
                path = Path.GetFullPath(Path.Combine([resolved, .. parts[(i + 1)..]]));
                goto restart;
            }

            current = candidate;
        }

        return current;
    }
}
