using NativeCnn.Fixations.Internal;

namespace NativeCnn.Fixations.Tests;

public sealed class PendingSetTests
{
    /// <summary>Increasing runs, duplicates, out-of-order points and growth past several compactions: the sorted unique set.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(100_000)]
    public void TakeSortedIsTheSortedUniqueSet(int n)
    {
        var rng = new Random(n);
        for (int mode = 0; mode < 4; mode++)
        {
            var set = new PendingSet();
            var expected = new SortedSet<long>();
            for (int i = 0; i < n; i++)
            {
                long v = mode switch
                {
                    0 => i * 3L,                        // strictly increasing: no sort
                    1 => rng.Next(Math.Max(1, n / 10)), // many duplicates
                    2 => i % 50 == 49 ? i - 7L : i,     // nearly increasing
                    _ => rng.NextInt64(long.MaxValue),
                };
                set.Add(v);
                expected.Add(v);
            }

            Assert.Equal(expected.ToArray(), set.TakeSorted());
            Assert.Equal(0, set.Count);
            set.Add(5);
            set.AddRange([5, 2]);
            Assert.Equal(new long[] { 2, 5 }, set.TakeSorted());
        }
    }
}
