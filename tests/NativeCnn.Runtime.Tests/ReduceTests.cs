using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using static NativeCnn.Runtime.Tests.ElementwiseOpRunner;

namespace NativeCnn.Runtime.Tests;

public class ReduceMeanTests
{
    private static readonly Tensor X = F([2, 3], 1, 2, 3, 4, 5, 6);

    [Fact]
    public void AxesAttributeBeforeOpset18()
    {
        AssertClose(F([2, 1], 2, 5), Run("ReduceMean", 13, [X], [Ints("axes", 1)])[0]!);
        AssertClose(F([3], 2.5f, 3.5f, 4.5f), Run("ReduceMean", 13, [X], [Ints("axes", -2), Int("keepdims", 0)])[0]!);
        AssertClose(F([1, 1], 3.5f), Run1("ReduceMean", 13, X));
    }

    [Fact]
    public void AxesInputFromOpset18()
    {
        var axes = Tensor.FromArray(new long[] { 0 }, 1);
        AssertClose(F([1, 3], 2.5f, 3.5f, 4.5f), Run("ReduceMean", 18, [X, axes], constantInputs: [1])[0]!);
        AssertClose(F([], 3.5f), Run("ReduceMean", 18, [X], [Int("keepdims", 0)])[0]!);
        AssertClose(X, Run("ReduceMean", 18, [X], [Int("noop_with_empty_axes", 1)])[0]!);
    }

    [Fact]
    public void AxesInputMustBeAConstant()
    {
        Assert.Throws<UnsupportedOperatorException>(() => Run("ReduceMean", 18, [X, Tensor.FromArray(new long[] { 0 }, 1)]));
    }

    [Fact]
    public void DuplicateAxisIsAnInvalidModel()
    {
        Assert.Throws<InvalidModelException>(() => Run("ReduceMean", 13, [X], [Ints("axes", 1, -1)]));
    }

    [Fact]
    public void Int32MeanTruncates()
    {
        var y = Run("ReduceMean", 13, [Tensor.FromArray(new[] { 1, 2, -1, -2 }, 2, 2)], [Ints("axes", 1)])[0]!;
        Assert.Equal(new[] { 1, -1 }, y.AsSpan<int>().ToArray());
    }
}

public class ReduceMaxTests
{
    [Fact]
    public void MiddleAxisAndNaN()
    {
        var x = F([2, 2, 2], 1, 8, 3, 4, float.NaN, 6, 7, 2);
        AssertClose(F([2, 1, 2], 3, 8, float.NaN, 6), Run("ReduceMax", 13, [x], [Ints("axes", 1)])[0]!);
    }

    [Fact]
    public void EmptySetGivesLowest()
    {
        var y = Run("ReduceMax", 20, [Tensor.Create(DataType.Float32, [2, 0, 3]), Tensor.FromArray(new long[] { 1 }, 1)], constantInputs: [1])[0]!;
        Assert.Equal(new[] { 2, 1, 3 }, y.Shape);
        Assert.All(y.AsSpan<float>().ToArray(), v => Assert.Equal(float.NegativeInfinity, v));
        var yi = Run("ReduceMax", 13, [Tensor.Create(DataType.Int32, [0, 2])], [Ints("axes", 0)])[0]!;
        Assert.Equal(new[] { int.MinValue, int.MinValue }, yi.AsSpan<int>().ToArray());
    }

    [Fact]
    public void BoolIsLogicalOr()
    {
        var x = Tensor.FromArray(new[] { true, false, false, false }, 2, 2);
        var y = Run("ReduceMax", 20, [x, Tensor.FromArray(new long[] { 1 }, 1)], [Int("keepdims", 0)], constantInputs: [1])[0]!;
        Assert.Equal(new[] { true, false }, y.AsSpan<bool>().ToArray());
    }

    [Fact]
    public void Int64AllAxes()
    {
        var y = Run1("ReduceMax", 18, Tensor.FromArray(new long[] { -5, long.MinValue, 9, 3 }, 2, 2));
        Assert.Equal(new[] { 1, 1 }, y.Shape);
        Assert.Equal(9L, y.AsSpan<long>()[0]);
    }
}

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
