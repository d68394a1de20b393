namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// Work items <c>[0, count)</c> taken from both ends: worker 0 (the caller) takes the next item from the front,
/// every other worker the last untaken item from the back, until the two ends meet. Any worker can still take
/// every item (worker 0 alone finishes a run no helper joins), but on two cores each keeps to one end of the
/// items: the low columns of every GEMM and the first half of every channel for worker 0, the high ones for the
/// helper, run after run and layer after layer. So a layer mostly reads what the same core wrote one layer (or one
/// run) before, instead of pulling every activation across from the other core's cache, which costs 3–4× more
/// when the hypervisor places the two vCPUs far apart (see <see cref="ComputeThreads"/>). Which worker runs an
/// item never changes its result.
/// </summary>
internal struct TwoEndedItems
{
    private long _range;    // low 32 bits: next item from the front; high 32 bits: end of the untaken items

    /// <summary>Makes items <c>[0, count)</c> available (before the workers start).</summary>
    public void Reset(int count) => Volatile.Write(ref _range, (long)count << 32);

    /// <summary>Takes the next item for <paramref name="worker"/> (front for worker 0, back for the others); false when none is left.</summary>
    public bool TryTake(int worker, out int item)
    {
        while (true)
        {
            long r = Volatile.Read(ref _range);
            int front = (int)r, end = (int)(r >> 32);
            if (front >= end)
            {
                item = -1;
                return false;
            }

            long next = worker == 0 ? r + 1 : r - (1L << 32);
            if (Interlocked.CompareExchange(ref _range, next, r) == r)
            {
                item = worker == 0 ? front : end - 1;
                return true;
            }
        }
    }
}
