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
/// <para>
/// The items are two ranges, <c>[0, ⌈count/2⌉)</c> owned by the caller and the rest owned by the helpers, each
/// (front, end) pair in its own cache line: a worker takes from its own range with an atomic operation on a line
/// only it touches, and only when that range is empty does it take from the other's, at the near end (the caller
/// from the front of the helpers' range, a helper from the back of the caller's), so the items run in the same
/// order as from one two-ended range. With one shared (front, end) word, every take moved that line between the
/// cores: ~0.2–0.4 µs a take while the two vCPUs sat far apart (kernel-probe rounds), and a step has 8–130 items.
/// </para>
/// </summary>
[System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit, Size = 3 * 64)]
internal struct TwoEndedItems
{
    // Each: low 32 bits the next item from the front, high 32 bits the end of the untaken items. 128 bytes apart, so
    // on different cache lines however the containing object is aligned.
    [System.Runtime.InteropServices.FieldOffset(0)]
    private long _callers;

    [System.Runtime.InteropServices.FieldOffset(128)]
    private long _helpers;

    /// <summary>Makes items <c>[0, count)</c> available (before the workers start).</summary>
    public void Reset(int count)
    {
        int mid = (count + 1) / 2;
        Volatile.Write(ref _callers, (long)mid << 32);
        Volatile.Write(ref _helpers, ((long)count << 32) | (uint)mid);
    }

    /// <summary>Takes the next item for <paramref name="worker"/> (front for worker 0, back for the others); false when none is left.</summary>
    public bool TryTake(int worker, out int item) => worker == 0
        ? TakeFront(ref _callers, out item) || TakeFront(ref _helpers, out item)
        : TakeBack(ref _helpers, out item) || TakeBack(ref _callers, out item);

    private static bool TakeFront(ref long range, out int item)
    {
        while (true)
        {
            long r = Volatile.Read(ref range);
            int front = (int)r, end = (int)(r >> 32);
            if (front >= end)
            {
                item = -1;
                return false;
            }

            if (Interlocked.CompareExchange(ref range, r + 1, r) == r)
            {
                item = front;
                return true;
            }
        }
    }

    private static bool TakeBack(ref long range, out int item)
    {
        while (true)
        {
            long r = Volatile.Read(ref range);
            int front = (int)r, end = (int)(r >> 32);
            if (front >= end)
            {
                item = -1;
                return false;
            }

            if (Interlocked.CompareExchange(ref range, r - (1L << 32), r) == r)
            {
                item = end - 1;
                return true;
            }
        }
    }
}

/// <summary>
/// Work items over <c>rows</c> rows of <c>rowLength</c> elements (the channels of an image tensor) in the order that
/// matches a conv's split over two cores: each row is cut into a first half and a second half (the cut on a multiple
/// of <c>align</c> elements), items <c>[0, count/2)</c> are the first halves and <c>[count/2, count)</c> the second
/// halves, each half in pieces of at most <c>chunk</c> elements, and halves shorter than that grouped several rows an
/// item. Taken from both ends (<see cref="TwoEndedItems"/>), the caller gets the first half of every row and a helper
/// the second.
/// </summary>
internal struct HalvedRows
{
    private long _rowLength, _half, _pieceLength;
    private int _rows, _pieces, _rowsPerGroup, _groups;

    /// <summary>Sets the shape; returns the number of items.</summary>
    public int Set(int rows, long rowLength, long chunk, int align)
    {
        _rows = rows;
        _rowLength = rowLength;
        _half = Math.Min(rowLength, (rowLength / 2) + align - 1) / align * align;
        long longer = Math.Max(_half, rowLength - _half);
        _pieces = (int)Math.Max(1, (longer + chunk - 1) / chunk);
        _pieceLength = (longer + _pieces - 1) / _pieces;
        _rowsPerGroup = _pieces > 1 ? 1 : (int)Math.Clamp(chunk / Math.Max(1, longer), 1, Math.Max(1, rows));
        _groups = (rows + _rowsPerGroup - 1) / _rowsPerGroup;
        return 2 * _groups * _pieces;
    }

    /// <summary>Item <paramref name="item"/>: rows <c>[row0, row1)</c>, elements <c>[begin, end)</c> of each.</summary>
    public readonly void Item(int item, out int row0, out int row1, out long begin, out long end)
    {
        int perHalf = _groups * _pieces;
        bool second = item >= perHalf;
        int k = second ? item - perHalf : item;
        int group = k / _pieces, piece = k % _pieces;
        long lo = second ? _half : 0, hi = second ? _rowLength : _half;
        begin = Math.Min(hi, lo + (piece * _pieceLength));
        end = Math.Min(hi, begin + _pieceLength);
        row0 = group * _rowsPerGroup;
        row1 = Math.Min(_rows, row0 + _rowsPerGroup);
    }
}

/// <summary>
/// Runs <c>body(row, begin, end)</c> over positions <c>[begin, end)</c> of <c>rows</c> rows (the N·C planes of an image
/// tensor) of <c>rowLength</c> positions: on one thread, or below a size, row by row whole; else in the halves of every
/// row (<see cref="HalvedRows"/>), taken from both ends, so the caller gets the first half of every plane and a helper
/// the second, as the convs before and after split the image. Each position computed alone: the split never changes a
/// result. Built once per kernel (the delegates and the queue), so a run allocates nothing.
/// </summary>
internal sealed class PlaneHalves
{
    private readonly Action<int, long, long> _body;
    private readonly WorkQueue _queue;
    private HalvedRows _split;

    public PlaneHalves(Action<int, long, long> body)
    {
        _body = body;
        _queue = new WorkQueue(Item);
    }

    /// <param name="splitFrom">Fewest elements (rows · rowLength) worth a helper round.</param>
    public void Run(int rows, long rowLength, int threads, long splitFrom)
    {
        if (threads <= 1 || (long)rows * rowLength < splitFrom)
        {
            for (int r = 0; r < rows; r++)
            {
                _body(r, 0, rowLength);
            }

            return;
        }

        _queue.Run(_split.Set(rows, rowLength, UnaryVectorKernel.Chunk, align: 16), threads);
    }

    private void Item(int item, int worker)
    {
        _split.Item(item, out int row0, out int row1, out long begin, out long end);
        for (int r = row0; r < row1; r++)
        {
            _body(r, begin, end);
        }
    }
}
