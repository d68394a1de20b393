using System.Runtime.InteropServices;
using NativeCnn.Runtime.Kernels;

namespace NativeCnn.Runtime.Tests.Kernels;

/// <summary>
/// <see cref="MaxPoolRows"/> is bitwise <see cref="MaxPoolReference"/> (values and argmax) under every tier this
/// process can run, over widths 1…70 (every vector tail), square and rectangular windows, strides 1–3, pads,
/// ceil_mode windows hanging past the end, dilations, and data full of ties, ±inf and NaN; the input sits against
/// an inaccessible page on either side, so a read outside it crashes the test.
/// </summary>
[Trait("Category", "Kernels")]
public unsafe class MaxPoolRowsTests
{
    private static readonly (int Kh, int Kw, int Sh, int Sw, int Pad, int Dil, bool Ceil)[] Windows =
    [
        (3, 3, 2, 2, 0, 1, true),    // SqueezeNet
        (3, 3, 2, 2, 1, 1, false),   // ResNet
        (2, 2, 2, 2, 0, 1, false),   // VGG
        (3, 3, 1, 1, 1, 1, false),   // Inception branch
        (2, 2, 1, 1, 0, 1, true),
        (3, 3, 2, 2, 1, 2, true),
        (2, 3, 1, 2, 1, 1, false),
        (1, 2, 2, 2, 0, 1, true),
        (1, 1, 2, 2, 0, 1, false),
        (1, 1, 1, 1, 0, 1, false),
        (5, 4, 2, 2, 2, 1, true),
        (3, 3, 3, 3, 1, 1, true),
        (3, 2, 2, 1, 0, 3, false),
    ];

    private static PoolParams Params(int batch, int channels, int h, int w, (int Kh, int Kw, int Sh, int Sw, int Pad, int Dil, bool Ceil) c, int padEnd)
    {
        int Out(int size, int k, int s)
        {
            int span = size + c.Pad + padEnd - (c.Dil * (k - 1)) - 1;
            if (span < 0)
            {
                return 0;
            }

            int o = (c.Ceil ? (span + s - 1) / s : span / s) + 1;
            return c.Ceil && (o - 1) * s >= size + c.Pad ? o - 1 : o;   // the last window starts inside the input
        }

        return new PoolParams(batch, channels, new WindowGeometry
        {
            SpatialRank = 2, Input = [1, h, w], Output = [1, Out(h, c.Kh, c.Sh), Out(w, c.Kw, c.Sw)],
            Kernel = [1, c.Kh, c.Kw], Strides = [1, c.Sh, c.Sw], Dilations = [1, c.Dil, c.Dil],
            PadsBegin = [0, c.Pad, c.Pad], PadsEnd = [0, padEnd, padEnd],
        });
    }

    private static readonly float[] Specials = [float.NaN, float.NegativeInfinity, float.PositiveInfinity, -0f, 0f];

    private static void Fill(Random rng, Span<float> x, int mode)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = mode switch
            {
                0 => (rng.NextSingle() * 2) - 1,
                1 => rng.Next(3),                                                 // mostly ties
                2 => rng.Next(10) == 0 ? Specials[rng.Next(Specials.Length)] : rng.Next(4) - 2,
                _ => float.NegativeInfinity,
            };
        }
    }

    [Fact]
    public void IsBitwiseTheReferenceOverWidthsWindowsAndSpecialValuesInEveryTier()
    {
        var rng = new Random(71);
        int cases = 0;
        var tiers = KernelTiers.Available.Select(MaxPoolRows.Tier).Distinct().ToArray();
        foreach (var isa in tiers)
        {
            for (int w = 1; w <= 70; w++)
            {
                foreach (var c in Windows)
                {
                    int h = 1 + ((w * 7) % 9);
                    int padEnd = c.Pad + (w % 3 == 0 ? 1 : 0);
                    var p = Params(1 + (w % 2), 1 + (w % 3), h, w, c, Math.Min(padEnd, Math.Max(c.Kh, c.Kw) - 1));
                    if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0)
                    {
                        continue;
                    }

                    Check(p, isa, 1 + (w % 2), rng, w % 4, atEnd: w % 2 == 0);
                    cases++;
                }
            }
        }

        Assert.True(cases > 800 * tiers.Length, $"{cases} cases");
    }

    [Theory]
    [InlineData(64, 111, 111, 0)]   // SqueezeNet pool0
    [InlineData(128, 55, 55, 0)]
    [InlineData(256, 27, 27, 0)]
    [InlineData(64, 112, 112, 1)]   // ResNet-18
    public void NetworkShapesOnTwoThreadsAreBitwiseTheReference(int channels, int h, int w, int pad)
    {
        var rng = new Random(72);
        var c = (3, 3, 2, 2, pad, 1, pad == 0);
        foreach (var isa in KernelTiers.Available.Select(MaxPoolRows.Tier).Distinct())
        {
            Check(Params(1, channels, h, w, c, pad), isa, 2, rng, 1, atEnd: true);
            Check(Params(1, channels, h, w, c, pad), isa, 2, rng, 2, atEnd: false);
        }
    }

    /// <summary>
    /// <see cref="MaxPoolPlanes"/> (stride 1, planes up to 16×16, one lane per plane) is bitwise the reference too:
    /// channel counts that leave a partial last group (it overlaps the one before), 1 and 2 threads, special values.
    /// </summary>
    [Fact]
    public void PlanesKernelIsBitwiseTheReference()
    {
        var rng = new Random(73);
        int cases = 0;
        if (MaxPoolRows.Tier(KernelIsaSupport.Best) == KernelIsa.Scalar)
        {
            // No vector tier in this process: the planner must not choose the kernel.
            Assert.False(MaxPoolPlanes.Supports(Params(1, 32, 6, 6, Windows[3], 1), KernelIsa.Scalar));
            return;
        }

        foreach (var c in Windows.Where(c => c.Sh == 1 && c.Sw == 1))
        {
            foreach (var (h, w) in new[] { (1, 1), (2, 3), (6, 6), (7, 5), (13, 13), (16, 16), (3, 17) })
            {
                foreach (int channels in new[] { 16, 17, 40 })
                {
                    var p = Params(1, channels, h, w, c, Math.Min(c.Pad, Math.Max(c.Kh, c.Kw) - 1));
                    if (p.Window.Output[1] <= 0 || p.Window.Output[2] <= 0 || !MaxPoolPlanes.Supports(p, MaxPoolRows.Tier(KernelIsaSupport.Best)))
                    {
                        continue;
                    }

                    Check(p, KernelIsa.Vector256, 1 + (channels % 2), rng, cases % 4, atEnd: cases % 2 == 0, planes: true);
                    cases++;
                }
            }
        }

        Assert.True(cases > 50, $"{cases} cases");
    }

    private static void Check(PoolParams p, KernelIsa isa, int threads, Random rng, int mode, bool atEnd, bool planes = false)
    {
        int inLen = p.Batch * p.Channels * p.Window.InputSize, outLen = p.Batch * p.Channels * p.Window.OutputSize;
        using var input = new GuardedFloats(inLen, atEnd);
        Fill(rng, input.Span, mode);
        // The kernel's outputs get a sentinel tail: nothing may be written past them.
        const int Tail = 32, Sentinel = 0x5A5A5A5A;
        var ye = new float[outLen];
        var yg = new float[outLen + Tail];
        var ae = new int[outLen];
        var ag = new int[outLen + Tail];
        yg.AsSpan().Fill(BitConverter.Int32BitsToSingle(Sentinel));
        ag.AsSpan().Fill(Sentinel);
        fixed (float* yep = ye, ygp = yg)
        fixed (int* aep = ae, agp = ag)
        {
            MaxPoolReference.Run(p, input.Pointer, yep, aep, null, false, 1);
            var shape = new[] { p.Batch, p.Channels, p.Window.Output[1], p.Window.Output[2] };
            Planning.IKernel kernel = planes ? new MaxPoolPlanes(p, 0, threads) : new MaxPoolRows(p, 0, threads, isa);
            kernel.Run(new Planning.KernelArgs(
                [new TensorView(DataType.Float32, [p.Batch, p.Channels, p.Window.Input[1], p.Window.Input[2]], (nint)input.Pointer)],
                [new TensorView(DataType.Float32, shape, (nint)ygp)],
                [new TensorView(DataType.Int32, shape, (nint)agp)],
                threads));
        }

        var g = p.Window;
        string what = $"{isa} N={p.Batch} C={p.Channels} H={g.Input[1]} W={g.Input[2]} k={g.Kernel[1]}x{g.Kernel[2]} s={g.Strides[1]}x{g.Strides[2]} " +
            $"pads={g.PadsBegin[2]}/{g.PadsEnd[2]} dil={g.Dilations[2]} out={g.Output[1]}x{g.Output[2]} mode={mode}";
        for (int i = 0; i < outLen; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(ye[i]) == BitConverter.SingleToInt32Bits(yg[i]) && ae[i] == ag[i],
                $"{what}: element {i}: expected {ye[i]} at {ae[i]}, got {yg[i]} at {ag[i]}");
        }

        for (int i = outLen; i < outLen + Tail; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(yg[i]) == Sentinel && ag[i] == Sentinel, $"{what}: written past the output at {i - outLen}");
        }
    }

    /// <summary>Floats placed against a PROT_NONE page after them (atEnd) or before them (Linux; elsewhere plain memory).</summary>
    private sealed class GuardedFloats : IDisposable
    {
        private const int ProtNone = 0, ProtReadWrite = 3;
        private readonly nint _base;
        private readonly nuint _size;
        private readonly int _length;
        private readonly float[]? _pinned;
        private readonly GCHandle _handle;

        public GuardedFloats(int length, bool atEnd)
        {
            _length = length;
            if (!OperatingSystem.IsLinux())
            {
                _pinned = new float[length];
                _handle = GCHandle.Alloc(_pinned, GCHandleType.Pinned);
                Pointer = (float*)_handle.AddrOfPinnedObject();
                return;
            }

            const long page = 4096;
            long bytes = Math.Max(1, (long)length * sizeof(float));
            long dataPages = (bytes + page - 1) / page;
            _size = (nuint)((dataPages + 2) * page);
            _base = Mmap(0, _size, ProtNone, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
            if (_base == -1 || Mprotect(_base + (nint)page, (nuint)(dataPages * page), ProtReadWrite) != 0)
            {
                throw new InvalidOperationException("mmap/mprotect failed");
            }

            byte* first = (byte*)_base + page;
            Pointer = atEnd ? (float*)(first + (dataPages * page) - ((long)length * sizeof(float))) : (float*)first;
        }

        public float* Pointer { get; }

        public Span<float> Span => new(Pointer, _length);

        public void Dispose()
        {
            if (_pinned is not null)
            {
                _handle.Free();
            }
            else
            {
                _ = Munmap(_base, _size);
            }
        }

        [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
        private static extern nint Mmap(nint addr, nuint length, int prot, int flags, int fd, nint offset);

        [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
        private static extern int Mprotect(nint addr, nuint length, int prot);

        [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
        private static extern int Munmap(nint addr, nuint length);
    }
}
