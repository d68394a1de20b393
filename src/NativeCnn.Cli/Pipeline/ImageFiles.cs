using NativeCnn.Imaging;

namespace NativeCnn.Cli.Pipeline;

/// <summary>Expands image arguments (files and folders, walked recursively) and writes output files atomically.</summary>
public static class ImageFiles
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".ppm", ".pgm", ".pnm"];

    /// <summary>Files as given, folders walked for image files (by extension), in a stable order; duplicates dropped.</summary>
    public static List<string> Expand(IEnumerable<string> args)
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            if (Directory.Exists(a))
            {
                var files = Directory.EnumerateFiles(a, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal);
                foreach (var f in files)
                {
                    if (seen.Add(Path.GetFullPath(f)))
                    {
                        result.Add(f);
                    }
                }
            }
            else if (File.Exists(a))
            {
                if (seen.Add(Path.GetFullPath(a)))
                {
                    result.Add(a);
                }
            }
            else
            {
                throw new CliException($"'{a}' is neither an image file nor a folder", ExitCodes.IoError);
            }
        }

        if (result.Count == 0)
        {
            throw new CliException("no image files found (looked for " + string.Join(", ", Extensions) + ")", ExitCodes.BadInput);
        }

        return result;
    }

    /// <summary>
    /// Writes a file through a temporary name and a rename, so a reader never sees half a file, and refuses to
    /// replace any of the user's inputs.
    /// </summary>
    public static void WriteAtomically(string path, byte[] bytes, IReadOnlySet<string> protectedPaths)
    {
        string full = Path.GetFullPath(path);
        if (protectedPaths.Contains(full))
        {
            throw new CliException($"refusing to overwrite input file '{path}'; choose another --out folder", ExitCodes.IoError);
        }

        string tmp = full + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllBytes(tmp, bytes);
        File.Move(tmp, full, overwrite: true);
    }

    /// <summary>
    /// Decodes and processes each image under a progress bar; an image that does not decode is reported as one line
    /// on stderr and skipped. Returns how many were skipped.
    /// </summary>
    public static int ForEachImage(IReadOnlyList<string> files, string title, Action<string, Image> body)
    {
        int failures = 0;
        ProgressDisplay.ForEach(files.Count, title, i =>
        {
            Image image;
            try
            {
                image = ImageIO.Load(files[i]);
            }
            catch (ImageDecodeException e)
            {
                Console.Error.WriteLine($"nativecnn: image error: {e.Message}");
                failures++;
                return;
            }

            body(files[i], image);
        });
        return failures;
    }

    public static void SavePng(Image image, string path, IReadOnlySet<string> protectedPaths) =>
        WriteAtomically(path, Imaging.Png.PngEncoder.Encode(image), protectedPaths);
}
