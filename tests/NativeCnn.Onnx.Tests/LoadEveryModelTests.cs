using NativeCnn.Runtime;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Onnx.Tests;

/// <summary>Every ONNX file among the shared assets loads, or fails with a NativeCnn exception (never anything else).</summary>
public class LoadEveryModelTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryAssetModelLoadsOrThrowsTyped()
    {
        var files = Directory.EnumerateFiles(TestAssets.Root, "*.onnx", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 1900, $"only {files.Count} .onnx files found");
        var untyped = new List<string>();
        var typed = new Dictionary<string, int>();
        int loaded = 0;
        foreach (var f in files)
        {
            try
            {
                var g = OnnxModel.Load(f);
                Assert.NotEmpty(g.Outputs);
                loaded++;
            }
            catch (NativeCnnException e)
            {
                string key = $"{e.GetType().Name}: {e.Message.Split(':')[^1].Trim()}";
                key = key.Length > 100 ? key[..100] : key;
                typed[key] = typed.GetValueOrDefault(key) + 1;
            }
            catch (Exception e)
            {
                untyped.Add($"{Path.GetRelativePath(TestAssets.Root, f)}: {e.GetType().Name}: {e.Message}");
            }
        }

        output.WriteLine($"{files.Count} models: {loaded} loaded, {typed.Values.Sum()} refused with a typed error");
        foreach (var (k, n) in typed.OrderByDescending(kv => kv.Value))
        {
            output.WriteLine($"  {n,4} × {k}");
        }

        Assert.True(untyped.Count == 0, string.Join(Environment.NewLine, untyped));
    }
}
