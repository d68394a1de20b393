namespace NativeCnn.Fixations.Tests;

/// <summary>
/// The conv rule splits each block of fixations' channel contributions over <see cref="FixationOptions.Threads"/>
/// workers (eight channels at a time with AVX-512, then four, then one); every contribution is written by one worker
/// with the same arithmetic, so the fixations must not depend on the count.
/// </summary>
public sealed class ConvThreadsTests
{
    /// <summary>
    /// A net whose convs receive thousands of fixations (a Gemm after the flattened map keeps every positive product):
    /// 3×3 with padding (clipped windows at the borders), channel counts that are not multiples of 8 or 4, stride 2,
    /// dilation 2, 5×5, 1×1 and a grouped conv.
    /// </summary>
    [Theory]
    [InlineData(ConvLocation.Anchor)]
    [InlineData(ConvLocation.ArgmaxInWindow)]
    public void ConvFixationsDoNotDependOnTheThreadCount(ConvLocation location)
    {
        var n = new Net(41, "input", 1, 19, 23, 23);
        var x = n.Relu(n.Conv(n.Input, 19, 64, 3));
        x = n.Relu(n.Conv(x, 64, 77, 3));
        x = n.Relu(n.Conv(x, 77, 96, 5, stride: 2));
        x = n.Relu(n.Conv(x, 96, 96, 3, dilation: 2));
        x = n.Relu(n.Conv(x, 96, 128, 3, group: 2));
        x = n.Relu(n.Conv(x, 128, 131, 1));
        x = n.Relu(n.Conv(x, 131, 160, 3));
        n.Output(n.Gemm(n.Flatten(x), 160 * 12 * 12, 10));
        var (session, store) = n.Run(seed: 5, threads: 2);
        using (session)
        {
            FixationResult Trace(int threads) => new Backtracker(new FixationOptions
            {
                Threads = threads,
                ConvLocation = location,
                FcAfterFlatten = FcAfterFlatten.AllPositive,
            }).Backtrack(store);

            var one = Trace(1);
            var convSteps = one.Steps.Where(s => s.Kind == Runtime.Operators.OpKind.Conv).ToList();
            Assert.Equal(7, convSteps.Count);
            Assert.True(convSteps[0].FixationsIn > 1000, $"the last conv received only {convSteps[0].FixationsIn} fixations");
            foreach (int threads in new[] { 2, 3 })
            {
                var other = Trace(threads);
                Assert.Equal(one.Values.Select(v => v.Name), other.Values.Select(v => v.Name));
                foreach (var v in one.Values)
                {
                    Assert.Equal(v.Indices, other[v.Name]!.Indices);
                }

                Assert.Equal(one.InputPoints, other.InputPoints);
            }
        }
    }
}
