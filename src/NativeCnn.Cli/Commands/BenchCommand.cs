using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using NativeCnn.Fixations;
using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Cli.Commands;

/// <summary>
/// <c>nativecnn bench MODEL</c>: per-op cost of a forward pass (median over runs: ms, MACs, GFLOP/s, % of the
/// machine's measured FMA peak) and of a CNN Fixations backtrack from the top-1 output, with the ratio
/// backtrack / forward per op and in total. <c>--json</c> prints the same as one JSON object; <c>--serve</c>
/// (for bench/compare-ort.mjs) keeps the model loaded and answers each line "N" on stdin with the wall times of
/// N forward passes as one JSON line.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var threads = CommonOptions.Threads();
        var runs = new Option<int>("--runs") { Description = "timed runs (medians are over these)", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "untimed runs first", DefaultValueFactory = _ => 2 };
        var shapes = ModelLoading.ShapeOption();
        var input = new Option<FileInfo?>("--input") { Description = "a serialized TensorProto to run on (default: seeded random values in [-1, 1))" };
        var seed = new Option<int>("--seed") { Description = "seed of the random input", DefaultValueFactory = _ => 1 };
        var peak = new Option<double?>("--peak") { Description = "the machine's peak in GFLOP/s for the % column (default: measured at startup)" };
        var noFusion = new Option<bool>("--no-fusion") { Description = "plan without fusions (every ONNX value computed as defined)" };
        var lowMemory = new Option<bool>("--low-memory") { Description = "plan for memory over speed (PlanOptions.LowMemory: no Winograd kernels)" };
        var exact = CommonOptions.Exact();
        var forwardOnly = new Option<bool>("--forward-only") { Description = "time the forward pass only (no backtrack)" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (per-run and per-step times) instead of tables" };
        var serve = new Option<bool>("--serve")
        {
            Description = "keep the model loaded; for each line N on stdin run N forward passes and print their times as a JSON line",
            Hidden = true,
        };
        var cmd = new Command("bench", "time a model per op: forward pass (ms, MACs, GFLOP/s, % of peak) and fixation backtrack")
        {
            model, threads, runs, warmup, shapes, input, seed, peak, noFusion, lowMemory, exact, forwardOnly, json, serve,
        };
        cmd.SetAction(p => CliErrors.Guard(() => Run(new Settings(
            p.GetValue(model)!,
            CommonOptions.CheckThreads(p.GetValue(threads)),
            Positive(p.GetValue(runs), "--runs", min: 1),
            Positive(p.GetValue(warmup), "--warmup", min: 0),
            p.GetValue(shapes) ?? [],
            p.GetValue(input),
            p.GetValue(seed),
            p.GetValue(peak),
            p.GetValue(noFusion),
            p.GetValue(lowMemory),
            p.GetValue(exact),
            p.GetValue(forwardOnly) || p.GetValue(serve),
            p.GetValue(json) || p.GetValue(serve),
            p.GetValue(serve)))));
        return cmd;
    }

    private sealed record Settings(
        FileInfo Model, int Threads, int Runs, int Warmup, string[] Shapes, FileInfo? Input, int Seed, double? Peak,
        bool NoFusion, bool LowMemory, bool Exact, bool ForwardOnly, bool Json, bool Serve);

    private static int Positive(int v, string name, int min) =>
        v >= min ? v : throw new CliException($"{name} must be at least {min}, got {v}", ExitCodes.Usage);

    private static int Run(Settings s)
    {
        long? startRss = ProcessMemory.ResidentBytes();
        var graph = ModelLoading.Load(s.Model);
        long? loadPeakRss = ProcessMemory.PeakResidentBytes();
        var inputs = MakeInputs(graph, s);
        using var session = new InferenceSession(graph, new PlanOptions { Fusion = !s.NoFusion, Threads = s.Threads, Profile = !s.Serve, LowMemory = s.LowMemory, AllowWinograd = !s.Exact });
        var store = session.Run(inputs);
        var plan = store.Plan;
        long totalMacs = plan.Steps.Sum(st => st.Macs);

        if (s.Serve)
        {
            return Serve(session, s, graph.Name, inputs, totalMacs);
        }

        double? peak = s.Peak ?? (s.Json && s.ForwardOnly ? null : PeakFlops.Measure(s.Threads));
        for (int i = 0; i < s.Warmup; i++)
        {
            session.RunInPlace();
        }

        var runMs = new double[s.Runs];
        var stepMs = new double[plan.Steps.Count][];
        for (int k = 0; k < stepMs.Length; k++)
        {
            stepMs[k] = new double[s.Runs];
        }

        for (int r = 0; r < s.Runs; r++)
        {
            session.RunInPlace();
            runMs[r] = session.LastRunMilliseconds;
            for (int k = 0; k < stepMs.Length; k++)
            {
                stepMs[k][r] = session.StepMilliseconds[k];
            }
        }

        var forward = plan.Steps.Select(st => new StepRow(
            st.Index,
            st.Node.OpType + (st.FusedNodes.Count > 0 ? "+" + string.Join("+", st.FusedNodes.Select(n => n.OpType)) : "") + (st.ZeroCopy ? "(view)" : ""),
            st.Node.DisplayName,
            OutputShape(plan, st),
            st.Macs,
            Median(stepMs[st.Index]))).ToList();

        Backtrack? back = s.ForwardOnly ? null : TimeBacktrack(store, s);
        long? rss = ProcessMemory.ResidentBytes();  // before the peak: VmHWM is at least the VmRSS of the same moment
        long? peakRss = ProcessMemory.PeakResidentBytes();
        long managed = GC.GetTotalMemory(false);
        var memory = new MemoryFigures(PlanMemory.Measure(plan), startRss, loadPeakRss, peakRss, rss, managed);  // the kernels' own reports: allocates a few KiB

        if (s.Json)
        {
            PrintJson(s, graph.Name, plan, inputs, totalMacs, peak, runMs, forward, back, memory);
        }
        else
        {
            PrintTables(s, plan, totalMacs, peak, runMs, forward, back, memory);
        }

        return ExitCodes.Ok;
    }

    /// <summary>Peak RSS against the budget of issue 5 (weights + all activations, target ≤ 1.1×) and where the rest goes.</summary>
    private sealed record MemoryFigures(PlanMemory Plan, long? StartRss, long? LoadPeakRss, long? PeakRss, long? Rss, long GcHeap)
    {
        public long TargetBytes => (long)(Plan.BudgetBytes * 1.1);

        /// <summary>Peak RSS less what the process held before loading the model (the .NET runtime, the CLI).</summary>
        public long? ModelPeak => PeakRss - StartRss;
    }

    private static string MiB(long bytes) => F(bytes / 1048576.0, "F1");

    private static string MiB(long? bytes) => bytes is { } b ? MiB(b) : "n/a";

    private static void PrintMemory(MemoryFigures m)
    {
        var p = m.Plan;
        Console.WriteLine();
        Console.WriteLine($"memory: weights {MiB(p.WeightBytes)} MiB + arena {MiB(p.ArenaBytes)} MiB (of which auxiliary {MiB(p.AuxiliaryBytes)}) = " +
            $"budget {MiB(p.BudgetBytes)} MiB; target ≤ 1.1 × budget = {MiB(m.TargetBytes)} MiB");
        Console.WriteLine($"memory: peak RSS {MiB(m.PeakRss)} MiB (VmHWM)" + (m.PeakRss is { } hwm ? $" = {F((double)hwm / p.BudgetBytes, "F2")} × budget, {(hwm <= m.TargetBytes ? "within" : "over")} target" : "") +
            (m.ModelPeak is { } mp ? $"; less the {MiB(m.StartRss)} MiB the process held before loading: {MiB(mp)} MiB = {F((double)mp / p.BudgetBytes, "F2")} × budget" : ""));
        Console.WriteLine($"memory: peak after load {MiB(m.LoadPeakRss)} MiB (weights {MiB(p.WeightBytes)}); now RSS {MiB(m.Rss)} MiB, managed heap in use {MiB(m.GcHeap)} MiB");
        Console.WriteLine($"memory beyond the budget: kernel-owned weights {MiB(p.KernelWeightBytes)} MiB (packed / transformed copies), " +
            $"shared scratch {MiB(p.SharedScratchBytes)} MiB (one block, the largest step's need), kernel-owned scratch {MiB(p.KernelScratchBytes)} MiB, " +
            $"plan-time constants {MiB(p.PlanConstantBytes)} MiB (BN-folded weights, folded values)");
        var byKernel = p.Kernels.Where(k => k.Bytes > 0).GroupBy(k => k.Kernel)
            .Select(g => (Kernel: g.Key, Count: g.Count(), Weights: g.Sum(k => k.WeightBytes), Scratch: g.Sum(k => k.ScratchBytes)))
            .OrderByDescending(x => x.Weights + x.Scratch).ToList();
        if (byKernel.Count == 0)
        {
            return;
        }

        var table = new TextTable("kernel", "steps", "weights MiB", "scratch MiB");
        foreach (var k in byKernel)
        {
            table.AddRow(Shorten(k.Kernel, 60), k.Count.ToString(CultureInfo.InvariantCulture), MiB(k.Weights), MiB(k.Scratch));
        }

        table.Print();
    }

    private sealed record StepRow(int Index, string Op, string Node, string Shape, long Macs, double MedianMs);

    private sealed record BackRow(int Index, string Op, string Node, int FixationsIn, int FixationsOut, double MedianMs);

    private sealed record Backtrack(string StartValue, long StartIndex, float Score, int InputPoints, double[] RunMs, List<BackRow> Steps);

    /// <summary>Backtracks from the top-1 output <c>--warmup</c> + <c>--runs</c> times; per-step medians by plan step.</summary>
    private static Backtrack TimeBacktrack(ActivationStore store, Settings s)
    {
        var tracker = new Backtracker(new FixationOptions { Profile = true, Threads = s.Threads });
        FixationResult? last = null;
        for (int i = 0; i < s.Warmup; i++)
        {
            last = tracker.Backtrack(store);
        }

        var runMs = new double[s.Runs];
        var perStep = new Dictionary<int, List<double>>();
        for (int r = 0; r < s.Runs; r++)
        {
            last = tracker.Backtrack(store);
            runMs[r] = last.TotalMilliseconds;
            foreach (var t in last.Steps)
            {
                if (!perStep.TryGetValue(t.StepIndex, out var list))
                {
                    perStep[t.StepIndex] = list = [];
                }

                list.Add(t.Milliseconds);
            }
        }

        var steps = last!.Steps.Select(t => new BackRow(t.StepIndex, store.Plan.Steps[t.StepIndex].Node.OpType, t.Node, t.FixationsIn, t.FixationsOut,
            Median([.. perStep[t.StepIndex]]))).ToList();
        return new Backtrack(last.Start.Value, last.Start.FlatIndex, last.Start.Score, last.InputPoints.Count, runMs, steps);
    }

    private static int Serve(InferenceSession session, Settings s, string modelName, List<KeyValuePair<string, Tensor>> inputs, long totalMacs)
    {
        for (int i = 0; i < s.Warmup; i++)
        {
            session.RunInPlace();
        }

        var o = Console.Out;
        o.WriteLine(JsonSerializer.Serialize(new
        {
            ready = true,
            model = modelName,
            threads = s.Threads,
            fusion = !s.NoFusion,
            macs = totalMacs,
            inputs = inputs.Select(kv => new { name = kv.Key, shape = kv.Value.Shape, type = kv.Value.DataType.ToString() }),
            kernels = session.Plan!.Steps.Select(st => st.Kernel.GetType().Name).Distinct().Order(StringComparer.Ordinal),
        }));
        o.Flush();
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line == "quit" || !int.TryParse(line, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 1)
            {
                break;
            }

            var ms = new double[n];
            for (int r = 0; r < n; r++)
            {
                session.RunInPlace();
                ms[r] = session.LastRunMilliseconds;
            }

            o.WriteLine(JsonSerializer.Serialize(new { ms }));
            o.Flush();
        }

        return ExitCodes.Ok;
    }

    private static List<KeyValuePair<string, Tensor>> MakeInputs(Runtime.Graph.ModelGraph graph, Settings s)
    {
        if (s.Input is { } file)
        {
            var t = OnnxTensor.Read(file.FullName);
            return RunCommand.BindInputs(graph.Inputs.Select(i => i.Name).ToList(), [t], [file]);
        }

        var shapes = ModelLoading.ResolveInputShapes(graph, s.Shapes);
        var rng = new Random(s.Seed);
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var i in graph.Inputs)
        {
            if (i.DataType is not (DataType.Float32 or DataType.Undefined))
            {
                throw new CliException($"input '{i.Name}' is {i.DataType}; random inputs are float32 only, give --input FILE.pb");
            }

            var t = Tensor.Create(DataType.Float32, shapes[i.Name]);
            foreach (ref var v in t.AsSpan<float>())
            {
                v = rng.NextSingle() * 2 - 1;
            }

            result.Add(new(i.Name, t));
        }

        return result;
    }

    private static string OutputShape(ExecutionPlan plan, PlanStep st) =>
        st.Outputs.FirstOrDefault(o => o.Length > 0) is { } o && plan.Values.TryGetValue(o, out var v) ? ShapeUtil.Format(v.Type.Shape) : "";

    public static double Median(double[] values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        var a = values.Order().ToArray();
        int m = a.Length / 2;
        return a.Length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
    }

    private static double Gflops(long macs, double ms) => ms > 0 ? 2.0 * macs / (ms * 1e6) : 0;

    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);

    private static void PrintTables(Settings s, ExecutionPlan plan, long totalMacs, double? peak, double[] runMs, List<StepRow> forward, Backtrack? back,
        MemoryFigures memory)
    {
        Console.WriteLine($"model   {s.Model.FullName}");
        Console.WriteLine($"threads {s.Threads}, fusion {(s.NoFusion ? "off" : "on")}{(s.Exact ? ", exact kernels (no Winograd)" : "")}, warmup {s.Warmup}, runs {s.Runs}, arena {plan.ArenaBytes / 1048576.0:F1} MiB");
        Console.WriteLine(s.Peak is { } given
            ? $"peak    {F(given, "F1")} GFLOP/s (given)"
            : $"peak    {F(peak!.Value, "F1")} GFLOP/s measured ({PeakFlops.Isa} chains, {s.Threads} thread(s), 100 ms)");
        Console.WriteLine();
        Console.WriteLine("forward pass (median per step over runs)");
        var table = new TextTable("#", "op", "node", "output shape", "MACs", "ms", "GFLOP/s", "% peak");
        foreach (var r in forward)
        {
            double g = Gflops(r.Macs, r.MedianMs);
            table.AddRow(
                r.Index.ToString(CultureInfo.InvariantCulture), r.Op, Shorten(r.Node, 36), r.Shape,
                r.Macs.ToString("N0", CultureInfo.InvariantCulture), F(r.MedianMs, "F3"),
                r.Macs > 0 ? F(g, "F2") : "", r.Macs > 0 && peak > 0 ? F(100 * g / peak.Value, "F1") : "");
        }

        table.Print();
        double stepSum = forward.Sum(r => r.MedianMs);
        double total = Median(runMs);
        Console.WriteLine($"forward total: median {F(total, "F3")} ms (min {F(runMs.Min(), "F3")}, max {F(runMs.Max(), "F3")}), " +
            $"sum of step medians {F(stepSum, "F3")} ms, {totalMacs:N0} MACs = {F(2e-9 * totalMacs, "F3")} GFLOP, " +
            $"{F(Gflops(totalMacs, total), "F2")} GFLOP/s" + (peak > 0 ? $" = {F(100 * Gflops(totalMacs, total) / peak.Value, "F1")} % of peak" : ""));

        var byOp = forward.GroupBy(r => r.Op).Select(g => (Op: g.Key, Ms: g.Sum(r => r.MedianMs), Macs: g.Sum(r => r.Macs), Count: g.Count()))
            .OrderByDescending(x => x.Ms).ToList();
        Console.WriteLine("by op: " + string.Join(", ", byOp.Select(x =>
            $"{x.Op}×{x.Count} {F(x.Ms, "F2")} ms ({F(stepSum > 0 ? 100 * x.Ms / stepSum : 0, "F0")} %{(x.Macs > 0 ? $", {F(Gflops(x.Macs, x.Ms), "F1")} GFLOP/s" : "")})")));
        PrintMemory(memory);

        if (back is null)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine($"fixation backtrack from the top-1 output ({back.StartValue}[{back.StartIndex}] = {F(back.Score, "G6")}), " +
            $"{back.InputPoints} input points (median per step over runs)");
        var fwdByIndex = forward.ToDictionary(r => r.Index);
        var bt = new TextTable("#", "op", "node", "fix in", "fix out", "backtrack ms", "forward ms", "back/fwd");
        foreach (var r in back.Steps)
        {
            double f = fwdByIndex[r.Index].MedianMs;
            bt.AddRow(
                r.Index.ToString(CultureInfo.InvariantCulture), r.Op, Shorten(r.Node, 36),
                r.FixationsIn.ToString("N0", CultureInfo.InvariantCulture), r.FixationsOut.ToString("N0", CultureInfo.InvariantCulture),
                F(r.MedianMs, "F4"), F(f, "F3"), f > 0 ? F(r.MedianMs / f, "F4") : "");
        }

        bt.Print();
        double btTotal = Median(back.RunMs);
        double btSteps = back.Steps.Sum(r => r.MedianMs);
        Console.WriteLine($"backtrack total: median {F(btTotal, "F3")} ms (rules {F(btSteps, "F3")} ms, bookkeeping {F(btTotal - btSteps, "F3")} ms), " +
            $"{back.Steps.Count} of {forward.Count} steps visited");
        Console.WriteLine($"backtrack / forward = {F(total > 0 ? btTotal / total : 0, "F4")}");
    }

    private static void PrintJson(Settings s, string modelName, ExecutionPlan plan, List<KeyValuePair<string, Tensor>> inputs, long totalMacs, double? peak,
        double[] runMs, List<StepRow> forward, Backtrack? back, MemoryFigures memory)
    {
        var pm = memory.Plan;
        var doc = new
        {
            model = modelName,
            file = s.Model.FullName,
            threads = s.Threads,
            fusion = !s.NoFusion,
            lowMemory = s.LowMemory,
            exact = s.Exact,
            warmup = s.Warmup,
            runs = s.Runs,
            peakGflops = peak,
            macs = totalMacs,
            inputs = inputs.Select(kv => new { name = kv.Key, shape = kv.Value.Shape, type = kv.Value.DataType.ToString() }),
            forward = new
            {
                medianMs = Median(runMs),
                runMs,
                steps = forward.Select(r => new { index = r.Index, op = r.Op, node = r.Node, shape = r.Shape, macs = r.Macs, medianMs = r.MedianMs, kernel = plan.Steps[r.Index].Kernel.GetType().Name }),
            },
            memory = new
            {
                weightBytes = pm.WeightBytes,
                arenaBytes = pm.ArenaBytes,
                auxiliaryBytes = pm.AuxiliaryBytes,
                budgetBytes = pm.BudgetBytes,
                targetBytes = memory.TargetBytes,
                peakRssBytes = memory.PeakRss,
                modelPeakRssBytes = memory.ModelPeak,
                startRssBytes = memory.StartRss,
                loadPeakRssBytes = memory.LoadPeakRss,
                rssBytes = memory.Rss,
                gcHeapBytes = memory.GcHeap,
                planConstantBytes = pm.PlanConstantBytes,
                kernelWeightBytes = pm.KernelWeightBytes,
                kernelScratchBytes = pm.KernelScratchBytes,
                sharedScratchBytes = pm.SharedScratchBytes,
                planningGcMs = plan.PlanningGcMilliseconds,
                kernels = pm.Kernels.Select(k => new { step = k.Step, op = k.Op, node = k.Node, kernel = k.Kernel, weightBytes = k.WeightBytes, scratchBytes = k.ScratchBytes }),
            },
            backtrack = back is null ? null : new
            {
                start = new { value = back.StartValue, index = back.StartIndex, score = back.Score },
                inputPoints = back.InputPoints,
                medianMs = Median(back.RunMs),
                runMs = back.RunMs,
                steps = back.Steps.Select(r => new { index = r.Index, op = r.Op, node = r.Node, fixationsIn = r.FixationsIn, fixationsOut = r.FixationsOut, medianMs = r.MedianMs }),
            },
        };
        Console.WriteLine(JsonSerializer.Serialize(doc));
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}
