using NativeCnn.Onnx;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Operators;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The fc rule after a flattened feature map reads the argmax the batch-1 dense kernel stored
/// (<c>{output}#product-argmax</c>) instead of reading the kept weight rows again: the fixations must be exactly
/// those the rule computes from the weights, and the backtrack must read far fewer bytes.
/// </summary>
public sealed class StoredProductArgMaxTests
{
    /// <summary>The store without the product-argmax values: the rule computes from the weight rows.</summary>
    private sealed class WithoutStoredArgMax(IActivationSource inner) : IActivationSource
    {
        public ExecutionPlan Plan => inner.Plan;

        public bool TryGet(string name, out TensorView view)
        {
            if (name.EndsWith("#" + ProductArgMax.AuxiliarySuffix, StringComparison.Ordinal))
            {
                view = default;
                return false;
            }

            return inner.TryGet(name, out view);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    public void FixationsThroughTheStoredArgMaxEqualThoseFromTheWeights(int seed, int threads)
    {
        // conv → relu → pool → flatten (16·7·7 = 784 = 3 chunks of 256 + a tail) → fc 784→5353 → relu → fc 5353→10:
        // fc6's weights (16.0 MiB) are just large enough for the GEMV to store the argmax
        // (DenseSgemm.ProductArgMaxMinWeightBytes); an output count that is no multiple of 8 or 4.
        var n = new Net(seed, "input", 1, 3, 14, 14);
        var x = n.MaxPool(n.Relu(n.Conv(n.Input, 3, 16, 3)), 2, 2);
        var flat = n.Flatten(x);
        var fc6 = n.Gemm(flat, 784, 5353);
        n.Output(n.Gemm(n.Relu(fc6), 5353, 10));
        var (session, store) = n.Run(threads: threads);
        using (session)
        {
            string aux = fc6 + "#" + ProductArgMax.AuxiliarySuffix;
            Assert.True(store.TryGet(aux, out var stored), $"{aux} is not in the store");
            Assert.Equal(DataType.Int32, stored.DataType);
            var bt = new Backtracker(new FixationOptions { Threads = threads });
            var withStored = bt.Backtrack(new StoreActivationSource(store), StartPoint.TopClass());
            var fromWeights = bt.Backtrack(new WithoutStoredArgMax(new StoreActivationSource(store)), StartPoint.TopClass());
            Assert.True(withStored[flat]!.Indices.Count > 0);
            Assert.Equal(fromWeights[flat]!.Indices, withStored[flat]!.Indices);
            Assert.Equal(fromWeights[n.Input]!.Indices, withStored[n.Input]!.Indices);
            Assert.True(withStored.BytesRead < fromWeights.BytesRead - (withStored[fc6]!.Indices.Count * 784L * sizeof(float)),
                $"read {withStored.BytesRead:N0} bytes with the stored argmax, {fromWeights.BytesRead:N0} without");
        }
    }

    /// <summary>
    /// A dense layer whose weights fit the caches (under DenseSgemm.ProductArgMaxMinWeightBytes) stores no argmax: there the
    /// argmax costs the GEMV 4–5× while the rule reads a few cached rows. Its fixations come from the weights.
    /// </summary>
    [Fact]
    public void ASmallDenseLayerStoresNoArgMax()
    {
        var n = new Net(3, "input", 1, 3, 14, 14);
        var flat = n.Flatten(n.MaxPool(n.Relu(n.Conv(n.Input, 3, 16, 3)), 2, 2));
        var fc = n.Gemm(flat, 784, 97);
        n.Output(fc);
        var (session, store) = n.Run(threads: 1);
        using (session)
        {
            Assert.False(store.TryGet(fc + "#" + ProductArgMax.AuxiliarySuffix, out _));
            var r = new Backtracker().Backtrack(new StoreActivationSource(store), StartPoint.TopClass());
            Assert.NotEmpty(r[n.Input]!.Indices);
        }
    }

    /// <summary>
    /// An LSTM's output flattened into a dense layer is a sequence of 1-D states, not a feature map: the planner must
    /// not make the dense kernel store a product argmax the rule would not read (it walks the same test,
    /// <see cref="FlattenedFeatureMap"/>), and the rule reads the weight rows. Before the two shared one test, the
    /// planner saw Y [T,D,B,H] as a map (rank 4, T·D·B·H &gt; 1) and paid for the argmax in the forward pass.
    /// </summary>
    [Fact]
    public void ADenseLayerAfterAnLstmStoresNoArgMaxAndTheRuleAgrees()
    {
        var rng = new Random(3);
        Tensor Rand(params int[] shape) => Tensor.FromArray(Enumerable.Range(0, shape.Aggregate(1, (p, d) => p * d)).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray(), shape);
        var b = new OnnxModelBuilder("lstm-fc").Opset(13)
            .AddInput("x", DataType.Float32, 5, 1, 3)
            .AddInitializer("W", Rand(1, 16, 3))
            .AddInitializer("R", Rand(1, 16, 4))
            .AddInitializer("fcW", Rand(6, 20))
            .AddInitializer("fcB", Rand(6))
            .AddNode("LSTM", ["x", "W", "R"], ["Y"], AttributeValue.Of("hidden_size", 4L))
            .AddNode("Flatten", ["Y"], ["flat"], AttributeValue.Of("axis", 0L))
            .AddNode("Gemm", ["flat", "fcW", "fcB"], ["logits"], AttributeValue.Of("transB", 1L))
            .AddOutput("logits", DataType.Float32, 1, 6);
        using var session = new InferenceSession(OnnxModel.Load(b.ToBytes(), null));
        var store = session.Run(Tensor.FromArray(Enumerable.Range(0, 15).Select(i => (float)Math.Sin(i + 1)).ToArray(), 5, 1, 3));
        var gemm = store.Plan.Steps.Single(st => st.Kind == OpKind.Gemm);
        Assert.DoesNotContain(gemm.Auxiliary, a => a.EndsWith("#" + ProductArgMax.AuxiliarySuffix, StringComparison.Ordinal));
        var source = new StoreActivationSource(store);
        Assert.False(FlattenedFeatureMap.Is("flat", v => source.TryGet(v, out var view) ? view.Shape : null,
            v => store.Plan.Values.TryGetValue(v, out var pv) && pv.Producer >= 0 ? store.Plan.Steps[pv.Producer].Node : null));
        var r = new Backtracker().Backtrack(store, StartPoint.TopClass());
        Assert.NotEmpty(r["x"]!.Indices);
    }
}
