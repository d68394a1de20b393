using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/NativeCnn.Benchmarks -- --filter '*Conv*'   (BenchmarkDotNet's switches)
// Runs in process (--inProcess is added unless given): no generated project per benchmark, whatever the SDK band.
string[] switches = args.Contains("--inProcess", StringComparer.OrdinalIgnoreCase) ? args : [.. args, "--inProcess"];
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(NativeCnn.Benchmarks.SingleOp).Assembly).Run(switches, config);
