using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// <see cref="StridedCopy"/> (Transpose and Slice) against <see cref="StridedCopyReference"/> byte for byte: random
/// permutations and slices (negative steps too) of ranks 1–5 with size-1 axes, in 1, 2, 4 and 8-byte
/// elements, so that every merge of contiguous axes and every typed inner loop runs.
/// </summary>
[Trait("Category", "Kernels")]
public class StridedCopyTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public unsafe void MatchesTheReferenceByteForByte(int elementSize)
    {
        var rng = new Random(elementSize * 7);
        int merged = 0, gathered = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            int rank = rng.Next(1, 6);
            var shape = Enumerable.Range(0, rank).Select(_ => rng.Next(4) == 0 ? 1 : rng.Next(1, 7)).ToArray();
            var inStrides = ShapeUtil.ContiguousStrides(shape);
            long inLength = ShapeUtil.Product(shape);
            int[] outShape;
            long[] strides;
            long offset = 0;
            if (trial % 2 == 0)
            {
                // Transpose: a random permutation (sometimes the identity, sometimes the shuffle [0,2,1,3,4]).
                int[] perm = trial % 10 == 0 ? [.. Enumerable.Range(0, rank)] : [.. Enumerable.Range(0, rank).OrderBy(_ => rng.Next())];
                outShape = [.. perm.Select(a => shape[a])];
                strides = [.. perm.Select(a => inStrides[a])];
            }
            else
            {
                // Slice: per axis a start, a count and a step of ±1..3.
                outShape = new int[rank];
                strides = new long[rank];
                for (int d = 0; d < rank; d++)
                {
                    int step = rng.Next(1, 4) * (rng.Next(3) == 0 ? -1 : 1);
                    int start = step > 0 ? rng.Next(shape[d]) : shape[d] - 1 - rng.Next(shape[d]);
                    int room = step > 0 ? ((shape[d] - 1 - start) / step) + 1 : (start / -step) + 1;
                    outShape[d] = rng.Next(1, room + 1);
                    strides[d] = inStrides[d] * step;
                    offset += start * inStrides[d];
                }
            }

            var p = new StridedCopyParams(outShape, strides, offset);
            long outLength = ShapeUtil.Product(outShape);
            var src = new byte[inLength * elementSize];
            rng.NextBytes(src);
            var expected = new byte[outLength * elementSize];
            var actual = new byte[outLength * elementSize];
            var kernel = new StridedCopy(p, elementSize);
            if (kernel.CopiesBlocks)
            {
                merged++;
            }
            else
            {
                gathered++;
            }

            var type = elementSize switch { 1 => DataType.UInt8, 2 => DataType.Float16, 4 => DataType.Float32, 8 => DataType.Int64, _ => DataType.Int64 };
            fixed (byte* ps = src, pe = expected, pa = actual)
            {
                var x = new TensorView(type, shape, (nint)ps);
                StridedCopyReference.Run(x, new TensorView(type, outShape, (nint)pe), p);
                kernel.Run(new KernelArgs([x], [new TensorView(type, outShape, (nint)pa)], [], 1));
            }

            Assert.True(expected.AsSpan().SequenceEqual(actual), $"trial {trial}: shape [{string.Join(",", shape)}] → [{string.Join(",", outShape)}] strides [{string.Join(",", strides)}] offset {offset}");
        }

        Assert.True(merged > 20 && gathered > 20, $"block copies {merged}, gathers {gathered}");
    }
}
