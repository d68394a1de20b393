using System.Text.Json;
using NativeCnn.Cli.Commands;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Cli.Tests;

/// <summary><c>nativecnn bench</c> on a tiny classifier (Conv → Relu → MaxPool → Flatten → Gemm).</summary>
[Collection("cli")]
public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nativecnn-bench-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string TinyModel()
    {
        var rng = new Random(3);
        Tensor R(params int[] shape)
        {
            var t = Tensor.Create(DataType.Float32, shape);
            foreach (ref var v in t.AsSpan<float>())
            {
                v = rng.NextSingle() - 0.5f;
            }

            return t;
        }

        string path = Path.Combine(_dir, "tiny.onnx");
        new OnnxModelBuilder("tiny").Opset(13)
            .AddInput("x", DataType.Float32, 1, 2, 6, 6)
            .AddInitializer("w", R(4, 2, 3, 3))
            .AddInitializer("fw", R(5, 36))
            .AddNode("Conv", ["x", "w"], ["c"], AttributeValue.Of("pads", [1L, 1, 1, 1]))
            .AddNode("Relu", ["c"], ["r"])
            .AddNode("MaxPool", ["r"], ["p"], AttributeValue.Of("kernel_shape", [2L, 2]), AttributeValue.Of("strides", [2L, 2]))
            .AddNode("Flatten", ["p"], ["f"])
            .AddNode("Gemm", ["f", "fw"], ["logits"], AttributeValue.Of("transB", 1L))
            .AddOutput("logits")
            .Save(path);
        return path;
    }

    /// <summary>Through <see cref="CliRunner"/>: the console is process-wide, and the other CLI tests capture it too.</summary>
    private static (int Code, string Out) Invoke(params string[] args)
    {
        var (code, output, _) = CliRunner.Run(args);
        return (code, output);
    }

    [Fact]
    public void JsonHasEveryStepWithMacsAndABacktrackThatReachesTheInput()
    {
        var (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "3", "--warmup", "1", "--json", "--peak", "100");
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        // Conv: 4·2·3·3 MACs per output × 36 outputs = 2,592; Gemm: 5 × 36 = 180.
        Assert.Equal(2_592 + 180, root.GetProperty("macs").GetInt64());
        var steps = root.GetProperty("forward").GetProperty("steps");
        // The Relu is fused into the conv (one step, labelled with both ops).
        Assert.Equal(["Conv+Relu", "MaxPool", "Flatten(view)", "Gemm"], steps.EnumerateArray().Select(s => s.GetProperty("op").GetString()!).ToArray());
        Assert.Equal("[1,4,6,6]", steps[0].GetProperty("shape").GetString());
        Assert.Equal(3, root.GetProperty("forward").GetProperty("runMs").GetArrayLength());
        Assert.Equal(100, root.GetProperty("peakGflops").GetDouble());
        var back = root.GetProperty("backtrack");
        Assert.Equal("logits", back.GetProperty("start").GetProperty("value").GetString());
        Assert.True(back.GetProperty("inputPoints").GetInt32() >= 1);
        // Every step lies on the path from the logits to the input: the backtrack visits all four.
        Assert.Equal([3, 2, 1, 0], back.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("index").GetInt32()).ToArray());
    }

    [Fact]
    public void NoFusionKeepsTheReluAsItsOwnStep()
    {
        var (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "1", "--warmup", "0", "--forward-only", "--json", "--no-fusion");
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(output);
        var steps = doc.RootElement.GetProperty("forward").GetProperty("steps");
        Assert.Equal(["Conv", "Relu", "MaxPool", "Flatten", "Gemm"], steps.EnumerateArray().Select(s => s.GetProperty("op").GetString()!).ToArray());
    }

    [Fact]
    public void TablesEndWithTheBacktrackToForwardRatio()
    {
        var (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "2", "--warmup", "0", "--peak", "50");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("peak    50.0 GFLOP/s (given)", output);
        Assert.Contains("forward total: median", output);
        Assert.Matches(@"backtrack / forward = \d+\.\d{4}", output.TrimEnd().Split('\n')[^1]);
    }

    [Fact]
    public void ForwardOnlyJsonSkipsTheBacktrackAndThePeak()
    {
        var (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "1", "--forward-only", "--json");
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("backtrack").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("peakGflops").ValueKind);
    }

    [Fact]
    public void MemoryIsReportedAgainstWeightsPlusArena()
    {
        var (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "1", "--forward-only", "--peak", "50");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Matches(@"memory: weights \d+\.\d MiB \+ arena \d+\.\d MiB .*= budget \d+\.\d MiB; target ≤ 1\.1 × budget", output);
        Assert.Contains("kernel-owned weights", output);

        (code, output) = Invoke("bench", TinyModel(), "--threads", "1", "--runs", "1", "--forward-only", "--json", "--low-memory");
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(output);
        var m = doc.RootElement.GetProperty("memory");
        Assert.True(doc.RootElement.GetProperty("lowMemory").GetBoolean(), output);
        Assert.Equal(m.GetProperty("weightBytes").GetInt64() + m.GetProperty("arenaBytes").GetInt64(), m.GetProperty("budgetBytes").GetInt64());
        Assert.True(m.GetProperty("arenaBytes").GetInt64() > 0, output);
        Assert.Equal(doc.RootElement.GetProperty("forward").GetProperty("steps").GetArrayLength(), m.GetProperty("kernels").GetArrayLength());
        if (OperatingSystem.IsLinux())
        {
            Assert.True(m.GetProperty("peakRssBytes").GetInt64() >= m.GetProperty("rssBytes").GetInt64(), output);
        }
    }

    /// <summary>
    /// <c>--exact</c> plans without Winograd: a 64→32 3×3 conv on 24×24 (36 tiles), which the speed rule gives to
    /// Winograd on the vector tiers, runs on a direct kernel instead, and the JSON says so.
    /// </summary>
    [Fact]
    public void ExactPlansNoWinogradConv()
    {
        var rng = new Random(4);
        var w = Tensor.Create(DataType.Float32, [32, 64, 3, 3]);
        foreach (ref var v in w.AsSpan<float>())
        {
            v = rng.NextSingle() - 0.5f;
        }

        string path = Path.Combine(_dir, "wino.onnx");
        new OnnxModelBuilder("wino").Opset(13)
            .AddInput("x", DataType.Float32, 1, 64, 24, 24)
            .AddInitializer("w", w)
            .AddNode("Conv", ["x", "w"], ["y"], AttributeValue.Of("pads", [1L, 1, 1, 1]))
            .AddOutput("y")
            .Save(path);

        string[] Kernels(params string[] extra)
        {
            var (code, output) = Invoke(["bench", path, "--threads", "1", "--runs", "1", "--warmup", "0", "--forward-only", "--json", .. extra]);
            Assert.Equal(ExitCodes.Ok, code);
            using var doc = JsonDocument.Parse(output);
            Assert.Equal(extra.Contains("--exact"), doc.RootElement.GetProperty("exact").GetBoolean());
            return [.. doc.RootElement.GetProperty("forward").GetProperty("steps").EnumerateArray().Select(st => st.GetProperty("kernel").GetString()!)];
        }

        if (NativeCnn.Runtime.Kernels.KernelIsaSupport.Best != NativeCnn.Runtime.Kernels.KernelIsa.Scalar)
        {
            Assert.Contains(Kernels(), k => k.Contains("Winograd", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(Kernels("--exact"), k => k.Contains("Winograd", StringComparison.Ordinal));
    }

    [Fact]
    public void BadRunCountIsAUsageError()
    {
        var (code, _) = Invoke("bench", TinyModel(), "--runs", "0");
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public void MeasuredPeakIsPositiveAndMedianIsTheMiddle()
    {
        Assert.True(PeakFlops.Measure(1, milliseconds: 20) > 0.1);
        Assert.Equal(2.0, BenchCommand.Median([3, 1, 2]));
        Assert.Equal(2.5, BenchCommand.Median([4, 1, 2, 3]));
    }
}
