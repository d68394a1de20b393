using System.Runtime.CompilerServices;

namespace NativeCnn.Fixations.Internal;

/// <summary>
/// The fixations sent to one value while its consumers are visited: appended as they come, made a sorted unique
/// array once when the value's producer is reached. Rules mostly send points in increasing order (a pass-through of
/// a sorted set, one argmax per sorted output), and then nothing is sorted at all; otherwise the array is sorted and
/// de-duplicated, also whenever a large one fills up, so duplicates never take more than the room of the unique points.
/// Cheaper than a hash set (no hashing per point, no copy before the sort) with the same result.
/// </summary>
internal sealed class PendingSet
{
    private long[] _items = new long[16];
    private int _count;
    private bool _increasing = true;

    private const int CompactFrom = 256;

    /// <summary>Points held, duplicates included until the next compaction.</summary>
    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(long index)
    {
        if (_count == _items.Length)
        {
            MakeRoom();
        }

        if (_count > 0 && index <= _items[_count - 1])
        {
            _increasing = false;
        }

        _items[_count++] = index;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AddRange(ReadOnlySpan<long> indices)
    {
        foreach (long f in indices)
        {
            Add(f);
        }
    }

    /// <summary>The sorted unique points (the set is left empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public long[] TakeSorted()
    {
        Compact();
        var a = _items.Length == _count ? _items : _items.AsSpan(0, _count).ToArray();
        _items = [];
        _count = 0;
        _increasing = true;
        return a;
    }

    private void MakeRoom()
    {
        // Small sets just grow (sorting them at every doubling cost more than the room); from 256 points on, the
        // duplicates are dropped first, so they never take more than the room of the unique points.
        if (_items.Length >= CompactFrom)
        {
            Compact();
        }

        if (_count * 2 >= _items.Length)
        {
            Array.Resize(ref _items, Math.Max(16, _items.Length * 2));
        }
    }

    /// <summary>Sorts and removes duplicates in place, unless the points came strictly increasing.</summary>
    private void Compact()
    {
        if (_increasing)
        {
            return;
        }

        var s = _items.AsSpan(0, _count);
        s.Sort();
        int n = s.Length > 0 ? 1 : 0;
        for (int i = 1; i < s.Length; i++)
        {
            if (s[i] != s[n - 1])
            {
                s[n++] = s[i];
            }
        }

        _count = n;
        _increasing = true;
    }
}
