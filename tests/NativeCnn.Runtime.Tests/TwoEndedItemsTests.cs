using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// <see cref="TwoEndedItems"/>: every item is taken exactly once, the caller from the front and the helpers from the
/// back, and either side alone takes them all (a run no helper joins).
/// </summary>
public class TwoEndedItemsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    public void TheCallerAloneTakesEveryItemInOrder(int count)
    {
        var items = default(TwoEndedItems);
        items.Reset(count);
        var taken = new List<int>();
        while (items.TryTake(0, out int item))
        {
            taken.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, count), taken);
        Assert.False(items.TryTake(1, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(64)]
    public void AHelperAloneTakesEveryItemFromTheBack(int count)
    {
        var items = default(TwoEndedItems);
        items.Reset(count);
        var taken = new List<int>();
        while (items.TryTake(1, out int item))
        {
            taken.Add(item);
        }

        Assert.Equal(Enumerable.Range(0, count).Reverse(), taken);
    }

    /// <summary>
    /// Alternating takes (caller faster, then helper faster): the caller's items are 0, 1, 2, … and the helper's
    /// count − 1, count − 2, …, as from a single range taken at both ends, wherever the two meet.
    /// </summary>
    [Theory]
    [InlineData(9, 1)]
    [InlineData(9, 3)]
    [InlineData(10, 2)]
    [InlineData(16, 5)]
    public void InterleavedTakesMeetWithoutGapOrOverlap(int count, int callerPerHelper)
    {
        foreach (bool callerFirst in new[] { true, false })
        {
            var items = default(TwoEndedItems);
            items.Reset(count);
            var front = new List<int>();
            var back = new List<int>();
            bool more = true;
            while (more)
            {
                more = false;
                for (int i = 0; i < (callerFirst ? callerPerHelper : 1); i++)
                {
                    if (items.TryTake(callerFirst ? 0 : 1, out int item))
                    {
                        (callerFirst ? front : back).Add(item);
                        more = true;
                    }
                }

                for (int i = 0; i < (callerFirst ? 1 : callerPerHelper); i++)
                {
                    if (items.TryTake(callerFirst ? 1 : 0, out int item))
                    {
                        (callerFirst ? back : front).Add(item);
                        more = true;
                    }
                }
            }

            Assert.Equal(Enumerable.Range(0, front.Count), front);
            Assert.Equal(Enumerable.Range(front.Count, back.Count).Reverse(), back);
            Assert.Equal(count, front.Count + back.Count);
        }
    }

    [Fact]
    public void ConcurrentWorkersTakeEachItemExactlyOnce()
    {
        const int Count = 5000;
        var items = new Box();
        for (int round = 0; round < 200; round++)
        {
            items.Items.Reset(Count);
            var seen = new int[Count];
            var done = new Barrier(3);
            var threads = Enumerable.Range(0, 3).Select(w => new Thread(() =>
            {
                done.SignalAndWait();
                while (items.Items.TryTake(w, out int item))
                {
                    Interlocked.Increment(ref seen[item]);
                }
            })).ToArray();
            foreach (var t in threads)
            {
                t.Start();
            }

            foreach (var t in threads)
            {
                t.Join();
            }

            Assert.All(seen, n => Assert.Equal(1, n));
        }
    }

    /// <summary>The struct lives in a class field, as in the kernels (the workers share it by reference).</summary>
    private sealed class Box
    {
        public TwoEndedItems Items;
    }
}
