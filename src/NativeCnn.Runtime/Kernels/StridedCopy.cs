using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// The strided gather of Transpose and Slice (<see cref="StridedCopyReference"/>'s definition) planned once:
/// axes of size 1 are dropped, and trailing axes that are contiguous in the source (each one's step is the size of
/// the ones after it, the last one's step 1) merge into one run copied as a block; what is left is walked by an
/// odometer over the outer axes with a typed inner loop over the last axis. ShuffleNet's channel shuffle
/// (Reshape → Transpose [0,2,1,3,4] → Reshape) then copies whole H·W planes instead of one element at a time
/// through a byte copy. The same elements land in the same places, so the result is the reference's byte for byte.
/// </summary>
internal sealed unsafe class StridedCopy : IKernel, IOwnedMemory
{
    private readonly int[] _outer;          // sizes of the outer axes (odometer), outermost first
    private readonly long[] _outerStrides;  // their source steps, in elements
    private readonly long _inner;           // elements along the innermost (possibly merged) axis
    private readonly long _innerStride;     // its source step (1: one block copy per run)
    private readonly long _offset;
    private readonly int _size;             // bytes per element

    public StridedCopy(StridedCopyParams p, int elementSize)
    {
        _size = elementSize;
        _offset = p.SourceOffset;
        var shape = new List<int>();
        var strides = new List<long>();
        for (int d = 0; d < p.OutputShape.Length; d++)
        {
            if (p.OutputShape[d] != 1)
            {
                shape.Add(p.OutputShape[d]);
                strides.Add(p.SourceStrides[d]);
            }
        }

        if (shape.Count == 0)
        {
            shape.Add(1);
            strides.Add(1);
        }

        // Merge trailing axes that are one contiguous run of the source.
        long inner = shape[^1], innerStride = strides[^1];
        int last = shape.Count - 1;
        while (innerStride == 1 && last > 0 && strides[last - 1] == inner)
        {
            last--;
            inner *= shape[last];
        }

        _inner = inner;
        _innerStride = innerStride;
        _outer = [.. shape.Take(last)];
        _outerStrides = [.. strides.Take(last)];
    }

    /// <summary>The outer axes' sizes and steps: tables.</summary>
    public void ReportMemory(OwnedMemory memory)
    {
        memory.Table(_outer);
        memory.Table(_outerStrides);
    }

    /// <summary>Whether the copy is whole blocks (the innermost run is contiguous in the source).</summary>
    internal bool CopiesBlocks => _innerStride == 1;

    public void Run(KernelArgs args)
    {
        var y = args.Outputs[0];
        if (y.Length > 0)
        {
            Copy((byte*)args.Inputs[0].Pointer, (byte*)y.Pointer, y.Length);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Copy(byte* src, byte* dst, long total)
    {
        int rank = _outer.Length;
        Span<int> idx = stackalloc int[Math.Max(rank, 1)];
        idx.Clear();
        long s = _offset;
        long runs = total / _inner;
        for (long r = 0; r < runs; r++)
        {
            Inner(src, s, dst + (r * _inner * _size));
            for (int d = rank - 1; d >= 0; d--)
            {
                s += _outerStrides[d];
                if (++idx[d] < _outer[d])
                {
                    break;
                }

                s -= _outerStrides[d] * _outer[d];
                idx[d] = 0;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Inner(byte* src, long s, byte* dst)
    {
        if (_innerStride == 1)
        {
            Buffer.MemoryCopy(src + (s * _size), dst, _inner * _size, _inner * _size);
            return;
        }

        switch (_size)
        {
            case 4:
                Gather((int*)src + s, (int*)dst);
                break;
            case 8:
                Gather((long*)src + s, (long*)dst);
                break;
            case 2:
                Gather((short*)src + s, (short*)dst);
                break;
            case 1:
                Gather(src + s, dst);
                break;
            default:
                for (long k = 0; k < _inner; k++)
                {
                    Unsafe.CopyBlockUnaligned(dst + (k * _size), src + ((s + (k * _innerStride)) * _size), (uint)_size);
                }

                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Gather<T>(T* src, T* dst) where T : unmanaged
    {
        long step = _innerStride;
        for (long k = 0; k < _inner; k++)
        {
            dst[k] = src[k * step];
        }
    }
}
