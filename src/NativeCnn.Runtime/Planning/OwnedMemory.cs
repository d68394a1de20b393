using System.Runtime.CompilerServices;
using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Planning;

/// <summary>
/// A kernel, or a part of one (an SGEMM driver, a per-call weight packer), that owns memory besides the model's
/// values, the activation arena and the plan's shared scratch block. Every such type implements this, so that
/// <see cref="PlanMemory.Measure"/> can ask each step's kernel what it keeps instead of guessing from its fields
/// (a test fails for a kernel type that holds a buffer and does not implement it).
/// </summary>
internal interface IOwnedMemory
{
    /// <summary>
    /// Reports each buffer this object owns to <paramref name="memory"/> as weights, scratch or a table, and each part
    /// that owns buffers of its own. Buffers it only borrows (model constants, another part's buffers) are not reported.
    /// </summary>
    void ReportMemory(OwnedMemory memory);
}

/// <summary>
/// Adds up the buffers kernels report (<see cref="IOwnedMemory"/>), each once: a buffer (or part) reported a second
/// time, by the same kernel or a later one, adds nothing, so an array shared by two kernels counts for the first.
/// A buffer counts its elements (an <see cref="AlignedFloats"/> its alignment slack too); object headers and arrays of
/// references do not count. A <see cref="ScratchFloats"/> slice of the plan's shared block counts nothing here: the
/// block is <see cref="PlanMemory.SharedScratchBytes"/>.
/// </summary>
internal sealed class OwnedMemory
{
    private readonly HashSet<object> _seen = new(ReferenceEqualityComparer.Instance);

    /// <summary>Packed or transformed copies of weights (and of anything else fixed at plan time that a call reads as an operand).</summary>
    public long WeightBytes { get; private set; }

    /// <summary>Buffers whose contents do not outlive a call (or one run, for recurrent states), and <see cref="Table{T}"/>s.</summary>
    public long ScratchBytes { get; private set; }

    /// <summary>Adds what <paramref name="kernel"/> owns (nothing for a kernel that is not an <see cref="IOwnedMemory"/>).</summary>
    public void Kernel(IKernel kernel) => Part(kernel as IOwnedMemory);

    /// <summary>Adds what a part owns (once).</summary>
    public void Part(IOwnedMemory? part)
    {
        if (part is not null && _seen.Add(part))
        {
            part.ReportMemory(this);
        }
    }

    /// <summary>Adds what each part owns.</summary>
    public void Parts(IEnumerable<IOwnedMemory>? parts)
    {
        foreach (var p in parts ?? [])
        {
            Part(p);
        }
    }

    public void Weights<T>(T[]? array) where T : unmanaged => Add(array, array is null ? 0 : array.LongLength * Unsafe.SizeOf<T>(), weight: true);

    public void Weights(AlignedFloats? buffer) => Add(buffer, buffer?.AllocatedBytes ?? 0, weight: true);

    public void Weights(ScratchFloats? buffer) => Weights(buffer?.OwnBuffer);

    public void Weights(SgemmPackedA? packed) => Weights(packed?.Storage);

    public void Weights(IEnumerable<SgemmPackedA>? packed)
    {
        foreach (var p in packed ?? [])
        {
            Weights(p);
        }
    }

    public void Scratch<T>(T[]? array) where T : unmanaged => Add(array, array is null ? 0 : array.LongLength * Unsafe.SizeOf<T>(), weight: false);

    public void Scratch(AlignedFloats? buffer) => Add(buffer, buffer?.AllocatedBytes ?? 0, weight: false);

    public void Scratch(ScratchFloats? buffer) => Scratch(buffer?.OwnBuffer);

    public void Scratch(SgemmPackedA? packed) => Scratch(packed?.Storage);

    /// <summary>
    /// A table made at plan time from the shapes alone (per-k offsets, per-block flags, copy lists): neither a weight
    /// copy nor working memory, and a few KiB at most; counted with <see cref="ScratchBytes"/>.
    /// </summary>
    public void Table<T>(T[]? array) where T : unmanaged => Scratch(array);

    private void Add(object? buffer, long bytes, bool weight)
    {
        if (buffer is null || !_seen.Add(buffer))
        {
            return;
        }

        if (weight)
        {
            WeightBytes += bytes;
        }
        else
        {
            ScratchBytes += bytes;
        }
    }
}
