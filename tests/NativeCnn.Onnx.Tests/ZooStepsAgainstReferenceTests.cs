using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;
using Xunit.Abstractions;

namespace NativeCnn.Onnx.Tests;

/// <summary>
/// Differential test of the fast kernels on real topologies: each model zoo graph of onnx-node-tests/light runs with
/// the default plan (fast kernels, fusion, 2 threads), then every step of the kinds below is recomputed alone from
/// the stored inputs with the reference kernels (<see cref="PlanOptions.ReferenceKernels"/>, one thread) and must
/// give the stored output: bitwise, except LRN (its power differs by an ulp or two). A step with a fused Relu gets
/// the Relu applied to the reference's result. Convs are left out (their fast kernels round differently by design,
/// and the reference conv of these graphs takes minutes).
/// </summary>
public class ZooStepsAgainstReferenceTests(ITestOutputHelper output)
{
    private static readonly HashSet<OpKind> Kinds =
    [
        OpKind.LRN, OpKind.BatchNormalization, OpKind.Transpose, OpKind.Slice, OpKind.AveragePool, OpKind.MaxPool,
        OpKind.GlobalAveragePool, OpKind.Sum, OpKind.Add, OpKind.Mul, OpKind.Relu, OpKind.Softmax, OpKind.Concat,
    ];

    [Theory]
    [InlineData("light_bvlc_alexnet")]
    [InlineData("light_inception_v1")]
    [InlineData("light_inception_v2")]
    [InlineData("light_densenet121")]
    [InlineData("light_shufflenet")]
    [InlineData("light_resnet50")]
    [InlineData("light_squeezenet")]
    public void EveryNonConvStepIsTheReferenceKernels(string name)
    {
        var graph = OnnxModel.Load(TestAssets.Path("onnx-node-tests", "light", name + ".onnx"));
        int[] shape = graph.Inputs.Single().Shape!.Select(d => d.IsKnown ? (int)d.Value : 1).ToArray();
        var rng = new Random(21);
        var input = Tensor.Create(DataType.Float32, shape);
        foreach (ref var v in input.AsSpan<float>())
        {
            v = rng.NextSingle();
        }

        using var session = new InferenceSession(graph, new PlanOptions { Threads = 2 });
        var store = session.Run(input);
        var plan = store.Plan;
        var checkedKinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var step in plan.Steps)
        {
            if (!Kinds.Contains(step.Kind) || step.ZeroCopy || step.FusedNodes.Any(n => n.OpType != "Relu"))
            {
                continue;
            }

            bool relu = step.FusedNodes.Any(n => n.OpType == "Relu");
            var expected = RunAlone(step, plan, store);
            if (relu)
            {
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] = expected[i] > 0 ? expected[i] : 0;
                }
            }

            var actual = store[step.Outputs[0]].ToDoubleArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < actual.Length; i++)
            {
                double e = expected[i], a = actual[i];
                bool same = step.Kind == OpKind.LRN ? Math.Abs(a - e) <= 1e-6 * Math.Abs(e) : a.Equals(e) || (a == 0 && e == 0);
                Assert.True(same, $"{name} step {step.Index} {step.Kind} ({step.Node.Name}) output[{i}] = {a:R}, reference {e:R}");
            }

            string key = step.Kind + (relu ? "+Relu" : "");
            checkedKinds[key] = checkedKinds.GetValueOrDefault(key) + 1;
        }

        output.WriteLine($"{name}: " + string.Join(", ", checkedKinds.Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.NotEmpty(checkedKinds);
    }

    /// <summary>The step's node alone, with the stored inputs (constants as initializers), on the reference kernels.</summary>
    private static double[] RunAlone(PlanStep step, ExecutionPlan plan, ActivationStore store)
    {
        var g = new ModelGraph { OpsetVersions = new(plan.Graph.OpsetVersions) };
        var node = new Node { OpType = step.Node.OpType, Name = step.Node.Name, Domain = step.Node.Domain, Attributes = step.Node.Attributes };
        var feeds = new List<KeyValuePair<string, Tensor>>();
        foreach (string input in step.Inputs)
        {
            node.Inputs.Add(input);
            if (input.Length == 0 || g.Initializers.ContainsKey(input) || feeds.Any(f => f.Key == input))
            {
                continue;
            }

            var value = plan.Values[input];
            if (value.Kind == ValueKind.Constant && value.Constant is { } c)
            {
                g.Initializers[input] = c;
            }
            else
            {
                var t = Tensor.CopyOf(store[input]);
                g.Inputs.Add(new ValueInfo { Name = input, DataType = t.DataType });
                feeds.Add(new(input, t));
            }
        }

        node.Outputs.Add("out");
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo { Name = "out" });
        using var session = new InferenceSession(g, new PlanOptions { Threads = 1, Fusion = false, ReferenceKernels = true, Profile = false });
        return session.Run(feeds)["out"].ToDoubleArray();
    }
}
