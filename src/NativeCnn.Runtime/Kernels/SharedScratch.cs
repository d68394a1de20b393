using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeCnn.Runtime.Kernels;

/// <summary>
/// One plan's scratch memory: a single 64-byte-aligned native block that every step's kernels share, sized to the
/// largest need of one step. Steps run one at a time, so a buffer that only lives inside one kernel call (per-call
/// packing buffers, Winograd V/M planes, phase-split copies, per-worker scratch) does not need memory of its own.
/// <para>
/// Kernels declare their needs at plan time (<see cref="ScratchFloats.Reserve"/>) while the planner has a step open
/// (<see cref="Step"/>): the buffers of one step are laid out one after another (so they never overlap each other,
/// including the per-worker SGEMMs a kernel runs concurrently), and every step starts again at offset 0. After
/// planning the planner allocates the block once (<see cref="Allocate"/>); the kernels find it through the pool
/// when they run, so a run allocates nothing. Nothing in the block survives from one step to the next: a buffer
/// that holds plan-time data or must persist between calls (packed weights, bias and offset tables) is not scratch.
/// </para>
/// </summary>
internal sealed unsafe class SharedScratch
{
    /// <summary>Bytes between two buffers of one step and after the last one: a vector load that runs a few floats past a buffer stays inside the block.</summary>
    private const int Guard = 64;

    [ThreadStatic]
    private static SharedScratch? t_current;

    private byte* _block;
    private long _stepBytes;

    /// <summary>The pool kernels reserve from on this thread (null: kernels allocate their own buffers, e.g. when built outside a plan).</summary>
    internal static SharedScratch? Current => t_current;

    /// <summary>Bytes of the block: the largest total one step reserved.</summary>
    public long Bytes { get; private set; }

    /// <summary>Whether the block is allocated (after planning, until <see cref="Free"/>).</summary>
    public bool IsAllocated => _block != null;

    /// <summary>
    /// Opens a step on this thread: until the scope is disposed, kernels built on this thread reserve from
    /// <paramref name="pool"/> starting at offset 0 (null: they allocate their own buffers). Scopes nest.
    /// </summary>
    public static StepScope Step(SharedScratch? pool)
    {
        var previous = t_current;
        t_current = pool;
        if (pool is not null)
        {
            pool._stepBytes = 0;
        }

        return new StepScope(previous);
    }

    /// <summary>Reserves <paramref name="bytes"/> (64-byte aligned) in the open step; returns the offset in the block.</summary>
    internal long Reserve(long bytes)
    {
        if (_block != null)
        {
            throw new InvalidOperationException("the shared scratch block is already allocated");
        }

        long offset = _stepBytes;
        _stepBytes = checked(offset + ((Math.Max(bytes, 0) + 63) & ~63L) + Guard);
        Bytes = Math.Max(Bytes, _stepBytes);
        return offset;
    }

    /// <summary>Allocates the block (once, at the end of planning).</summary>
    public void Allocate()
    {
        if (_block != null || Bytes == 0)
        {
            return;
        }

        _block = (byte*)NativeMemory.AlignedAlloc((nuint)Bytes, 64);
        if (_block == null)
        {
            throw new ResourceLimitException($"could not allocate a shared scratch block of {Bytes:N0} bytes");
        }

        if (Environment.GetEnvironmentVariable("NATIVECNN_POISON_SCRATCH") == "1")
        {
            // Test aid: a kernel that read scratch it did not write in the same call would now see NaN.
            new Span<float>(_block, (int)Math.Min(Bytes / sizeof(float), int.MaxValue)).Fill(float.NaN);
        }
    }

    /// <summary>The block; valid between <see cref="Allocate"/> and <see cref="Free"/>.</summary>
    public byte* Base
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_block == null)
            {
                ThrowNotAllocated();
            }

            return _block;
        }
    }

    /// <summary>Returns the block to the OS (the plan's kernels cannot run afterwards).</summary>
    public void Free()
    {
        if (_block != null)
        {
            NativeMemory.AlignedFree(_block);
            _block = null;
        }

        GC.SuppressFinalize(this);
    }

    ~SharedScratch()
    {
        if (_block != null)
        {
            NativeMemory.AlignedFree(_block);
            _block = null;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNotAllocated() =>
        throw new InvalidOperationException("the plan's shared scratch is not allocated (the plan is still being built, or its session was disposed)");

    /// <summary>Restores the pool that was current before <see cref="Step"/>.</summary>
    public readonly struct StepScope(SharedScratch? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}

/// <summary>
/// A float scratch buffer of a kernel: a slice of the plan's <see cref="SharedScratch"/> block when the kernel was
/// built inside a planner step, else a buffer of its own (<see cref="AlignedFloats"/>; kernels built directly, e.g.
/// by the kernel tests and probes). Its contents do not survive from one kernel call to the next.
/// </summary>
internal sealed unsafe class ScratchFloats
{
    private readonly SharedScratch? _pool;
    private readonly long _offset;
    private readonly AlignedFloats? _own;           // keeps an own buffer alive
    private readonly float* _ownPointer;            // its pointer (null for a slice of the shared block)

    private ScratchFloats(SharedScratch pool, long offset, long length)
    {
        _pool = pool;
        _offset = offset;
        Length = length;
    }

    private ScratchFloats(AlignedFloats own)
    {
        _own = own;
        _ownPointer = own.Pointer;
        Length = own.Length;
    }

    /// <summary>Reserves <paramref name="length"/> floats (64-byte aligned) of scratch at plan time.</summary>
    public static ScratchFloats Reserve(long length) =>
        SharedScratch.Current is { } pool ? new ScratchFloats(pool, pool.Reserve(length * sizeof(float)), length) : new ScratchFloats(new AlignedFloats(length));

    /// <summary>A buffer of its own (for data that must persist, e.g. packed weights), whatever step is open.</summary>
    public static ScratchFloats Owned(long length) => new(new AlignedFloats(length));

    /// <summary>The buffer (64-byte aligned); only for use while the kernel runs.</summary>
    public float* Pointer
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _ownPointer != null ? _ownPointer : (float*)(_pool!.Base + _offset);
    }

    public long Length { get; }

    /// <summary>Whether the buffer is a slice of a plan's shared block.</summary>
    public bool IsShared => _pool is not null;

    /// <summary>The buffer of its own, or null for a slice of the shared block (counted as the plan's <see cref="SharedScratch.Bytes"/>).</summary>
    public AlignedFloats? OwnBuffer => _own;
}
