using System.Diagnostics;

namespace NativeCnn.Imaging.Tests;

/// <summary>Runs the reference command-line tools (libjpeg-turbo's djpeg/cjpeg, netpbm). A missing tool fails
/// the test with the command that installs it.</summary>
internal static class ExternalTools
{
    public const string InstallHint = "apt-get install libjpeg-turbo-progs netpbm";

    public static byte[] Run(string tool, string arguments, byte[]? stdin = null)
    {
        string? exe = Find(tool);
        if (exe is null)
        {
            Assert.Fail($"the reference tool '{tool}' is not installed; run: {InstallHint}");
        }

        var psi = new ProcessStartInfo(exe!, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        Task<string> err = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }

        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Assert.Fail($"{tool} {arguments} failed ({p.ExitCode}): {err.Result}");
        }

        return ms.ToArray();
    }

    private static string? Find(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string p = Path.Combine(dir, tool);
            if (File.Exists(p))
            {
                return p;
            }
        }

        return null;
    }

    /// <summary>djpeg's decode of a JPEG as an image (PGM for grey, PPM otherwise), EXIF orientation not applied.</summary>
    public static Image Djpeg(string jpegPath) =>
        Pnm.PnmCodec.Decode(Run("djpeg", "-pnm \"" + jpegPath + "\""), DecodeLimits.Default);

    public static string TempDir(string name)
    {
        string d = Path.Combine(Path.GetTempPath(), "nativecnn-imaging-tests", name + "-" + Environment.ProcessId);
        Directory.CreateDirectory(d);
        return d;
    }
}

/// <summary>Per-channel comparison of two images of the same size.</summary>
internal readonly record struct PixelDiff(int MaxDiff, long Off1, long Total)
{
    public double PercentOffByOne => Total == 0 ? 0 : 100.0 * Off1 / Total;

    public static PixelDiff Compare(Image a, Image b)
    {
        Assert.Equal((b.Width, b.Height, b.Channels), (a.Width, a.Height, a.Channels));
        int max = 0;
        long off = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            int d = Math.Abs(a.Pixels[i] - b.Pixels[i]);
            max = Math.Max(max, d);
            if (d == 1)
            {
                off++;
            }
        }

        return new PixelDiff(max, off, a.Pixels.Length);
    }
}
