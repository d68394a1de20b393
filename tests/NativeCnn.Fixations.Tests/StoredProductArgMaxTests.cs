using NativeCnn.Runtime;
using NativeCnn.Runtime.Kernels;
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
        // conv → relu → pool → flatten (16·7·7 = 784 = 3 chunks of 256 + a tail) → fc 784→97 → relu → fc 97→10.
        var n = new Net(seed, "input", 1, 3, 14, 14);
        var x = n.MaxPool(n.Relu(n.Conv(n.Input, 3, 16, 3)), 2, 2);
        var flat = n.Flatten(x);
        var fc6 = n.Gemm(flat, 784, 97);
        n.Output(n.Gemm(n.Relu(fc6), 97, 10));
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
}
