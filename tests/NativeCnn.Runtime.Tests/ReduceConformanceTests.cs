using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// The ONNX ReduceMean/ReduceMax conformance cases feed <c>axes</c> as a run-time graph input, which the runtime
/// needs when it builds the plan; here the data set's axes become an initializer, everything else is as in the case.
/// </summary>
public class ReduceConformanceTests
{
    public static IEnumerable<object[]> Cases() =>
        Directory.GetDirectories(TestAssets.Path("onnx-node-tests", "node"), "test_reduce_m*")
            .Select(Path.GetFileName)
            .Where(n => n!.StartsWith("test_reduce_mean", StringComparison.Ordinal) || n.StartsWith("test_reduce_max", StringComparison.Ordinal))
            .Where(n => !n!.Contains("_expanded", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new object[] { n! });

    [Theory]
    [MemberData(nameof(Cases))]
    public void PassesWithAxesAsInitializer(string name)
    {
        string dir = TestAssets.Path("onnx-node-tests", "node", name);
        var graph = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
        string set = Path.Combine(dir, "test_data_set_0");
        var inputs = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < graph.Inputs.Count + 1 && File.Exists(Path.Combine(set, $"input_{i}.pb")); i++)
        {
            var (pbName, t) = OnnxTensor.Read(Path.Combine(set, $"input_{i}.pb"));
            string bound = graph.Inputs.Any(v => v.Name == pbName) ? pbName : graph.Inputs[i].Name;
            inputs.Add(new(bound, t));
        }

        foreach (var axes in inputs.Where(kv => kv.Key == "axes").ToList())
        {
            graph.Initializers["axes"] = axes.Value;
            graph.Inputs.RemoveAll(v => v.Name == "axes");
            inputs.Remove(axes);
        }

        using var session = new InferenceSession(graph, new PlanOptions { Fusion = false, Profile = false });
        var store = session.Run(inputs);
        var (_, expected) = OnnxTensor.Read(Path.Combine(set, "output_0.pb"));
        var actual = Tensor.CopyOf(store[graph.Outputs[0].Name]);
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
        {
            // ONNX backend-test tolerance: rtol 1e-3, atol 1e-7
            Assert.True(e[i] == a[i] || Math.Abs(e[i] - a[i]) <= 1e-7 + (1e-3 * Math.Abs(e[i])), $"{name} element {i}: expected {e[i]}, got {a[i]}");
        }
    }
}
