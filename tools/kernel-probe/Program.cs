using System.Diagnostics;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.KernelProbe;

/// <summary>
/// Quick kernel timings (not a benchmark suite: see bench/ for that). Usage:
/// <c>dotnet run -c Release --project tools/kernel-probe -- sgemm|all [reps]</c>. Prints the median of reps runs.
/// </summary>
internal static unsafe class Program
{
    private static int Main(string[] args)
    {
        string what = args.Length > 0 ? args[0] : "all";
        int reps = args.Length > 1 ? int.Parse(args[1]) : 7;
        Console.WriteLine($"ISA {KernelIsaSupport.Best}, {Environment.ProcessorCount} cores, reps {reps} (median)");
        if (what is "rounds")
        {
            Rounds(reps);
            return 0;
        }

        if (what is "sgemm" or "all")
        {
            foreach (var (m, n, k, label) in new[] { (256, 3136, 2304, "VGG conv3_x as GEMM"), (64, 3136, 256, "ResNet 1x1 64<-256 @56"), (256, 3136, 64, "ResNet 1x1 256<-64 @56"), (512, 196, 1024, "ResNet 1x1 512<-1024 @14"), (2048, 49, 512, "ResNet 1x1 2048<-512 @7") })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Sgemm<SgemmMicroAvx512_8x48>(m, n, k, threads, reps, label);
                    Sgemm<SgemmMicroAvx512_14x32>(m, n, k, threads, reps, label);
                    Sgemm<SgemmMicroAvx2_6x16>(m, n, k, threads, reps, label);
                }
            }
        }

        if (what is "small")
        {
            foreach (var (m, n, k, label) in new[] { (512, 49, 4608, "ResNet 3x3 512 @7"), (256, 196, 2304, "ResNet 3x3 256 @14"), (256, 169, 576, "SqueezeNet 3x3 64->256 @13") })
            {
                Sgemm<SgemmMicroAvx512_8x48>(m, n, k, 1, reps, label);
                Sgemm<SgemmMicroAvx512_14x32>(m, n, k, 1, reps, label);
            }

            Conv(512, 512, 7, 3, 1, reps, "ResNet layer4", null);
            _evict = new AlignedFloats(16L << 20);
            Conv(512, 512, 7, 3, 1, reps, "ResNet layer4 cold", null);
            Conv(256, 256, 14, 3, 1, reps, "ResNet layer3 cold", null);
            _evict = null;
            Conv(256, 256, 14, 3, 1, reps, "ResNet layer3", null);
            Conv(64, 256, 13, 3, 1, reps, "SqueezeNet fire9", null);
        }

        if (what is "rowtile")
        {
            foreach (int threads in new[] { 1, 2 })
            {
                foreach (var (cin, cout, hw, k, stride) in new[] { (512, 512, 7, 3, 1), (256, 256, 14, 3, 1), (256, 512, 14, 3, 2), (128, 256, 28, 3, 2), (64, 128, 56, 3, 2), (256, 512, 14, 1, 2), (64, 128, 56, 1, 2) })
                {
                    foreach (string? choice in new[] { null, "smallplane", "rowtile" })
                    {
                        if (choice == "smallplane" && (k == 1 || hw / stride > 16))
                        {
                            continue;
                        }

                        Conv(cin, cout, hw, k, threads, reps, "probe", choice, stride);
                    }
                }

                _evict = new AlignedFloats(16L << 20);
                Conv(512, 512, 7, 3, threads, reps, "layer4 cold", "smallplane");
                Conv(512, 512, 7, 3, threads, reps, "layer4 cold", "rowtile");
                _evict = null;
            }
        }

        if (what is "pwab")
        {
            // 1×1 convs: the default kernel (A) against ConvRowTile (B), runs interleaved A, B, A, B in one process (the
            // noisy machine hits both alike), fused Relu. ConvRowTile reads X in place only where OW % 7 == 0.
            int threads = args.Length > 2 ? int.Parse(args[2]) : 1;
            foreach (var (cin, cout, hw) in new[] { (384, 64, 14), (512, 64, 14), (64, 256, 14), (128, 64, 28), (256, 64, 28), (64, 128, 28) })
            {
                PointwiseAb(cin, cout, hw, threads, reps);
            }
        }

        if (what is "rowtile2")
        {
            foreach (int threads in new[] { 1, 2 })
            {
                foreach (var (cin, cout, hw, k, stride) in new[] { (512, 512, 7, 3, 1), (256, 256, 14, 3, 1), (64, 128, 56, 3, 2), (32, 128, 27, 3, 1), (64, 256, 13, 3, 1), (48, 192, 13, 3, 1), (32, 256, 28, 3, 1), (64, 512, 14, 3, 1) })
                {
                    Conv(cin, cout, hw, k, threads, reps, "probe", "rowtile", stride);
                }

                _evict = new AlignedFloats(16L << 20);
                Conv(512, 512, 7, 3, threads, reps, "layer4 cold", "rowtile");
                _evict = null;
            }
        }

        if (what is "pw")
        {
            // 1×1 convs of SqueezeNet 1.1, Tiny Darknet, ResNet-18 (strided downsamples): each kernel choice, hot.
            var shapes = new[]
            {
                (64, 16, 55, 1), (16, 64, 55, 1), (128, 32, 27, 1), (32, 128, 27, 1), (256, 48, 13, 1), (384, 48, 13, 1), (48, 192, 13, 1),
                (384, 64, 13, 1), (512, 64, 13, 1), (64, 256, 13, 1), (512, 1000, 13, 1),
                (128, 16, 56, 1), (16, 128, 56, 1), (256, 32, 28, 1), (512, 64, 14, 1), (512, 128, 14, 1), (128, 1000, 14, 1),
                (64, 128, 56, 2), (128, 256, 28, 2), (256, 512, 14, 2), (64, 128, 56, 1), (128, 256, 28, 1), (64, 64, 28, 1),
            };
            string[] choices = args.Length > 2 ? args[2].Split(',') : ["default"];
            int[] threadList = args.Length > 3 ? args[3].Split(',').Select(int.Parse).ToArray() : [1, 2];
            foreach (int threads in threadList)
            {
                foreach (var (cin, cout, hw, stride) in shapes)
                {
                    foreach (string choice in choices)
                    {
                        try
                        {
                            Conv(cin, cout, hw, 1, threads, reps, "pw", choice == "default" ? null : choice, stride);
                        }
                        catch (Exception e) when (e is NotSupportedException or ArgumentException)
                        {
                        }
                    }
                }
            }
        }

        if (what is "pack")
        {
            int hw = 56, c = 256;
            var g = new WindowGeometry
            {
                SpatialRank = 2, Input = [1, hw, hw], Output = [1, hw, hw], Kernel = [1, 3, 3], Strides = [1, 1, 1],
                Dilations = [1, 1, 1], PadsBegin = [0, 1, 1], PadsEnd = [0, 1, 1],
            };
            var x = new AlignedFloats((long)c * hw * hw);
            Fill(x);
            var dst = new AlignedFloats(128 * 432);
            var src = new Im2colPanelSource(x.Pointer, g);
            var dense = new DenseRowsPanelSource(x.Pointer, hw * hw);
            int k = c * 9, n = hw * hw;
            double t = Median(reps, () =>
            {
                for (int k0 = 0; k0 < k; k0 += 128)
                {
                    for (int n0 = 0; n0 < n; n0 += 432)
                    {
                        src.Pack(k0, 128, n0, Math.Min(n, n0 + 432), 48, dst.Pointer);
                    }
                }
            });
            Console.WriteLine($"im2col pack {k}x{n}: {t * 1e3:F2} ms, {t * 3.7e9 / ((double)k * n):F2} cycles/elem at 3.7 GHz");
            t = Median(reps, () =>
            {
                for (int k0 = 0; k0 < c; k0 += 128)
                {
                    for (int n0 = 0; n0 < n; n0 += 432)
                    {
                        dense.Pack(k0, 128, n0, Math.Min(n, n0 + 432), 48, dst.Pointer);
                    }
                }
            });
            Console.WriteLine($"dense pack {c}x{n}: {t * 1e3:F2} ms, {t * 3.7e9 / ((double)c * n):F2} cycles/elem at 3.7 GHz");
        }

        if (what is "fc" or "all")
        {
            foreach (var (m, n, k, label) in new[] { (1, 4096, 25088, "VGG fc6 batch 1"), (1, 1000, 4096, "VGG fc8 batch 1"), (8, 4096, 25088, "VGG fc6 batch 8"), (1, 500, 800, "LeNet ip1"), (1, 256, 1152, "DoodleNet dense") })
            {
                var w = Tensor.Create(DataType.Float32, [n, k]);
                var ws = w.AsSpan<float>();
                var rng = new Random(1);
                for (int i = 0; i < ws.Length; i += 97)
                {
                    ws[i] = (float)rng.NextDouble();
                }

                var x = new AlignedFloats((long)m * k);
                var y = new AlignedFloats((long)m * n);
                var bias = new AlignedFloats(n);
                Fill(x);
                var p = new GemmParams(m, n, k, false, true, 1f, 1f, true, 0, 1);
                foreach (int threads in new[] { 1, 2 })
                {
                    var kernel = new DenseSgemm(p, w, KernelIsaSupport.Best, threads);
                    var fcArgs = new KernelArgs([new TensorView(DataType.Float32, [m, k], (nint)x.Pointer), w.View, new TensorView(DataType.Float32, [n], (nint)bias.Pointer)],
                        [new TensorView(DataType.Float32, [m, n], (nint)y.Pointer)], [], threads);
                    double t = Median(reps, () => kernel.Run(fcArgs));
                    Report($"fc {label,-16} M={m} N={n} K={k} t={threads} {kernel.KernelName,-40}", 2.0 * m * n * k, t);
                    Console.WriteLine($"   weights streamed: {4.0 * n * k / t / 1e9:F1} GB/s wall");
                    if (m == 1)
                    {
                        // The same GEMV storing each output's product argmax (a flattened feature map's fc), A/B in alternation.
                        var argmax = new int[n];
                        fixed (int* ip = argmax)
                        {
                            var withArgmax = new DenseSgemm(p, w, KernelIsaSupport.Best, threads, argmaxAux: 0);
                            var amArgs = new KernelArgs(fcArgs.Inputs, fcArgs.Outputs, [new TensorView(DataType.Int32, [m, n], (nint)ip)], threads);
                            for (int round = 0; round < 3; round++)
                            {
                                double plain = Median(reps, () => kernel.Run(fcArgs));
                                double am = Median(reps, () => withArgmax.Run(amArgs));
                                Console.WriteLine($"   round {round}: plain {plain * 1e3:F3} ms, with product argmax {am * 1e3:F3} ms ({am / plain:F3}x)");
                            }
                        }
                    }
                }

                if (m == 1)
                {
                    double tr = Median(1, () => GemmReference.Run(p, x.Pointer, (float*)w.View.Pointer, bias.Pointer, y.Pointer, 1));
                    Report($"fc {label,-16} M={m} N={n} K={k} t=1 GemmReference", 2.0 * m * n * k, tr);
                }
            }
        }

        if (what is "dw" or "all")
        {
            foreach (var (c, hw, stride) in new[]
            {
                (32, 112, 1), (128, 56, 1), (512, 14, 1), (64, 112, 2),
                (96, 7, 1), (240, 7, 1), (480, 7, 1), (960, 7, 1), (96, 14, 2), (240, 14, 2), (480, 14, 2), (960, 14, 2),
                (96, 28, 2), (240, 28, 2), (96, 14, 1), (240, 14, 1),
            })
            {
                DepthwiseProbe(c, hw, stride, reps);
            }
        }

        if (what is "pool" or "poolfast" or "all")
        {
            foreach (var (c, hw, k, stride, pad) in new[] { (64, 224, 2, 2, 0), (64, 112, 3, 2, 1), (512, 28, 2, 2, 0), (64, 111, 3, 2, 0), (16, 224, 2, 2, 0), (256, 27, 3, 2, 0) })
            {
                int ohw = ((hw + (2 * pad) - k) / stride) + 1;
                var g = new WindowGeometry
                {
                    SpatialRank = 2, Input = [1, hw, hw], Output = [1, ohw, ohw], Kernel = [1, k, k], Strides = [1, stride, stride],
                    Dilations = [1, 1, 1], PadsBegin = [0, pad, pad], PadsEnd = [0, pad, pad],
                };
                var p = new PoolParams(1, c, g);
                var x = new AlignedFloats((long)c * hw * hw);
                var y = new AlignedFloats((long)c * ohw * ohw);
                var am = new int[c * ohw * ohw];
                Fill(x);
                fixed (int* ap = am)
                {
                    int* amp = ap;
                    var poolArgs = new KernelArgs([new TensorView(DataType.Float32, [1, c, hw, hw], (nint)x.Pointer)], [new TensorView(DataType.Float32, [1, c, ohw, ohw], (nint)y.Pointer)],
                        [new TensorView(DataType.Int32, [1, c, ohw, ohw], (nint)amp)], 1);
                    var kernel = new MaxPoolVector(p, 0, 1);
                    double bytes = 4.0 * c * ((hw * hw) + (2 * ohw * ohw));
                    double tv = Median(reps, () => kernel.Run(poolArgs));
                    double tr = what == "pool" ? Median(reps, () => MaxPoolReference.Run(p, x.Pointer, y.Pointer, amp, null, false, 1)) : tv;
                    Console.WriteLine($"maxpool {k}x{k} s{stride} p{pad} C={c} {hw}x{hw} t=1: {kernel.KernelName} {tv * 1e3:F3} ms ({bytes / tv / 1e9:F1} GB/s), MaxPoolReference {tr * 1e3:F3} ms, ratio {tr / tv:F1}x");
                }
            }
        }

        if (what is "poolrows")
        {
            // MaxPoolRows at the network shapes: hot (repeated) and with the input just touched after a 16 MiB eviction.
            var evict = new AlignedFloats(16L << 20);
            foreach (var (label, c, hw, k, stride, pad, ceil) in new[]
            {
                ("SqueezeNet pool0", 64, 111, 3, 2, 0, true), ("SqueezeNet pool1", 128, 55, 3, 2, 0, true), ("SqueezeNet pool2", 256, 27, 3, 2, 0, true),
                ("ResNet-18 pool", 64, 112, 3, 2, 1, false), ("TinyDarknet pool1", 16, 224, 2, 2, 0, false), ("TinyDarknet pool2", 32, 112, 2, 2, 0, false),
                ("TinyDarknet pool3", 128, 56, 2, 2, 0, false), ("TinyDarknet pool4", 256, 28, 2, 2, 0, false),
                ("ResNet-18 pool C=8 (in L2)", 8, 112, 3, 2, 1, false), ("SqueezeNet pool0 C=8 (in L2)", 8, 111, 3, 2, 0, true),
            })
            {
                if (Environment.GetEnvironmentVariable("PROBE_ONLY") is { } only && !label.Contains(only, StringComparison.Ordinal))
                {
                    continue;
                }

                int span = hw + (2 * pad) - k;
                int ohw = ((ceil ? span + stride - 1 : span) / stride) + 1;
                var g = new WindowGeometry
                {
                    SpatialRank = 2, Input = [1, hw, hw], Output = [1, ohw, ohw], Kernel = [1, k, k], Strides = [1, stride, stride],
                    Dilations = [1, 1, 1], PadsBegin = [0, pad, pad], PadsEnd = [0, pad + (ceil ? 1 : 0), pad + (ceil ? 1 : 0)],
                };
                var p = new PoolParams(1, c, g);
                var x = new AlignedFloats((long)c * hw * hw);
                var y = new AlignedFloats((long)c * ohw * ohw);
                var am = new AlignedFloats((long)c * ohw * ohw * 2);
                Fill(x);
                var poolArgs = new KernelArgs([new TensorView(DataType.Float32, [1, c, hw, hw], (nint)x.Pointer)], [new TensorView(DataType.Float32, [1, c, ohw, ohw], (nint)y.Pointer)],
                    [new TensorView(MaxPoolRows.IndexType, [1, c, ohw, ohw], (nint)am.Pointer)], 1);
                var kernel = new MaxPoolRows(p, 0, 1, MaxPoolRows.Tier(KernelIsaSupport.Best));
                double hot = Median(reps, () => kernel.Run(poolArgs));
                double warm = ColdMedian(reps, evict, () => kernel.Run(poolArgs), x);
                Console.WriteLine($"{label,-18} {kernel.KernelName}: hot {hot * 1e3:F4} ms, input-warm {warm * 1e3:F4} ms");
            }
        }

        if (what is "par")
        {
            // Do two workers really run at once? Each item spins 20 ms of CPU.
            var q = new WorkQueue((item, worker) =>
            {
                long end = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 50);
                while (Stopwatch.GetTimestamp() < end)
                {
                }

                Console.WriteLine($"   item {item} on worker {worker}, thread {Environment.CurrentManagedThreadId}");
            });
            foreach (int threads in new[] { 1, 2 })
            {
                var sw = Stopwatch.StartNew();
                q.Run(8, threads);
                Console.WriteLine($"WorkQueue 8 x 20 ms items, threads {threads}: {sw.ElapsedMilliseconds} ms wall");
            }
        }

        if (what is "strided")
        {
            Conv(3, 64, 224, 7, 1, reps, "ResNet stem", "sgemm", stride: 2);
            Conv(256, 512, 56, 1, 1, reps, "ResNet 1x1 s2", "sgemm", stride: 2);
            Conv(128, 128, 56, 3, 1, reps, "ResNet 3x3 s2", "sgemm", stride: 2);
        }

        if (what is "par2")
        {
            // Two independent single-threaded SGEMMs at once in one process, against one SGEMM on two workers.
            int m = 256, n = 3136, k = 2304;
            var gs = new SgemmPacked<SgemmMicroAvx512_8x48, DenseRowsPanelSource>[2];
            var pas = new SgemmPackedA[2];
            var bs = new AlignedFloats[2];
            var cs = new AlignedFloats[2];
            for (int i = 0; i < 2; i++)
            {
                var a = new AlignedFloats((long)m * k);
                Fill(a);
                bs[i] = new AlignedFloats((long)k * n);
                Fill(bs[i]);
                cs[i] = new AlignedFloats((long)m * n);
                gs[i] = new SgemmPacked<SgemmMicroAvx512_8x48, DenseRowsPanelSource>(m, n, k, 1);
                pas[i] = gs[i].PackWeights(m, k, a.Pointer, k, 1);
            }

            var both = new WorkQueue((item, worker) =>
            {
                for (int r = 0; r < 10; r++)
                {
                    gs[item].Run(pas[item], new DenseRowsPanelSource(bs[item].Pointer, n), null, cs[item].Pointer, n);
                }
            });
            foreach (int threads in new[] { 1, 2, 1, 2 })
            {
                var sw = Stopwatch.StartNew();
                both.Run(2, threads);
                Console.WriteLine($"2 independent SGEMMs x10, threads {threads}: {sw.ElapsedMilliseconds} ms ({2 * 10 * 2.0 * m * n * k / sw.Elapsed.TotalSeconds / 1e9:F0} GFLOP/s)");
            }

            var g2 = new SgemmPacked<SgemmMicroAvx512_8x48, DenseRowsPanelSource>(m, n, k, 2);
            var g1 = new SgemmPacked<SgemmMicroAvx512_8x48, DenseRowsPanelSource>(m, n, k, 1);
            foreach (var g in new[] { g1, g2, g1, g2 })
            {
                var sw = Stopwatch.StartNew();
                for (int r = 0; r < 20; r++)
                {
                    g.Run(pas[0], new DenseRowsPanelSource(bs[0].Pointer, n), null, cs[0].Pointer, n);
                }

                Console.WriteLine($"one SGEMM x20 on {(g == g1 ? 1 : 2)} worker(s): {sw.ElapsedMilliseconds} ms ({20 * 2.0 * m * n * k / sw.Elapsed.TotalSeconds / 1e9:F0} GFLOP/s)");
            }
        }

        if (what is "vgg16")
        {
            Vgg16(reps, args.Length > 2 && args[2] == "reference");
        }

        if (what is "conv3")
        {
            foreach (var (cin, cout, hw) in new[] { (3, 64, 224), (512, 512, 28), (128, 128, 28), (256, 256, 14), (64, 64, 56), (512, 512, 7), (48, 192, 13), (64, 256, 13) })
            {
                Conv(cin, cout, hw, 3, 1, reps, "3x3", "sgemm");
                Conv(cin, cout, hw, 3, 1, reps, "3x3", "winograd");
            }
        }

        if (what is "wino")
        {
            foreach (var (c, hw) in new[] { (64, 224), (128, 28), (256, 56), (64, 56) })
            {
                Conv(c, c, hw, 3, 1, reps, "winograd", "winograd");
            }
        }

        if (what is "twin")
        {
            // Two independent one-thread kernels (64→64 3×3 at 56², own data each) on two threads of this process at once:
            // per-thread ms per run. TWIN_ONE=1: one thread only (run two such processes side by side to compare);
            // TWIN_PIN=1: thread i pinned to CPU i; TWIN_KERNEL=rowtile|sgemm|copy (default Winograd; copy: a plain 7 MB
            // buffer copy). In the VM's slow cross-core periods (tools/core-to-core) Winograd and the im2col SGEMM ran
            // 35–45 % slower on one or both threads than alone or as two processes, with no data shared between the
            // threads; ConvRowTile and copy did not.
            int cin = 64, hw = 56;
            var g = new WindowGeometry
            {
                SpatialRank = 2, Input = [1, hw, hw], Output = [1, hw, hw], Kernel = [1, 3, 3], Strides = [1, 1, 1],
                Dilations = [1, 1, 1], PadsBegin = [0, 1, 1], PadsEnd = [0, 1, 1],
            };
            var p = new ConvParams(1, cin, cin, 1, g);
            double[] res = new double[2];
            bool one = Environment.GetEnvironmentVariable("TWIN_ONE") == "1";
            var ready = new Barrier(one ? 1 : 2);
            void Body(object? o)
            {
                int id = (int)o!;
                if (Environment.GetEnvironmentVariable("TWIN_PIN") == "1")
                {
                    ulong mask = 1UL << id;
                    SchedSetAffinity(0, sizeof(ulong), &mask);
                }

                var x = new AlignedFloats((long)cin * hw * hw);
                var w = new AlignedFloats((long)cin * cin * 9);
                var b = new AlignedFloats(cin);
                var y = new AlignedFloats((long)cin * hw * hw);
                Fill(x);
                Fill(w);
                IKernel k = Environment.GetEnvironmentVariable("TWIN_KERNEL") switch
                {
                    "copy" => new CopyProbeKernel(9L * cin * hw * hw),
                    "rowtile" => new ConvRowTile(p, w.Pointer, 1),
                    "sgemm" => new ConvSgemm(p, w.Pointer, KernelIsaSupport.Best, 1),
                    _ => new ConvWinogradF4x4(p, w.Pointer, KernelIsaSupport.Best, 1),
                };
                var a = new KernelArgs(
                    [
                        new TensorView(DataType.Float32, [1, cin, hw, hw], (nint)x.Pointer),
                        new TensorView(DataType.Float32, [cin, cin, 3, 3], (nint)w.Pointer),
                        new TensorView(DataType.Float32, [cin], (nint)b.Pointer),
                    ],
                    [new TensorView(DataType.Float32, [1, cin, hw, hw], (nint)y.Pointer)], [], 1);
                for (int i = 0; i < 20; i++)
                {
                    k.Run(a);
                }

                ready.SignalAndWait();
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < 2000; i++)
                {
                    k.Run(a);
                }

                res[id] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / 2000;
            }

            var t1 = new Thread(Body);
            var t2 = new Thread(Body);
            t1.Start(0);
            if (!one)
            {
                t2.Start(1);
                t2.Join();
            }

            t1.Join();
            Console.WriteLine($"twin: thread A {res[0]:F3} ms, thread B {res[1]:F3} ms per run");
            return 0;
        }

        if (what is "winophase")
        {
            // Winograd phases and the direct alternatives on the shapes of ResNet-18, SqueezeNet 1.1, Tiny Darknet and VGG-16.
            string only = args.Length > 2 && args[2] != "all" ? args[2] : "";
            foreach (int threads in args.Length > 3 ? new[] { int.Parse(args[3]) } : new[] { 1, 2 })
            {
                foreach (var (cin, cout, hw) in WinoShapes)
                {
                    if (only != "" && only != $"{cin}-{cout}-{hw}")
                    {
                        continue;
                    }

                    Conv(cin, cout, hw, 3, threads, reps, "3x3", "winograd");
                    Conv(cin, cout, hw, 3, threads, reps, "3x3", "direct");
                }
            }
        }

        if (what is "conv" or "all")
        {
            foreach (var (cin, cout, hw, k, label) in new[] { (256, 256, 56, 3, "VGG conv3_x"), (64, 64, 224, 3, "VGG conv1_2"), (512, 512, 28, 3, "VGG conv4_x"), (512, 512, 14, 3, "VGG conv5_x"), (128, 128, 28, 3, "ResNet 3x3 @28"), (256, 256, 14, 3, "ResNet 3x3 @14"), (256, 64, 56, 1, "ResNet 1x1 256->64"), (64, 256, 56, 1, "ResNet 1x1 64->256"), (1024, 512, 14, 1, "ResNet 1x1 1024->512") })
            {
                foreach (int threads in new[] { 1, 2 })
                {
                    Conv(cin, cout, hw, k, threads, reps, label, "sgemm");
                    if (k == 3)
                    {
                        Conv(cin, cout, hw, k, threads, reps, label, "winograd");
                    }
                }
            }
        }

        return 0;
    }

    private static void Conv(int cin, int cout, int hw, int k, int threads, int reps, string label, string? kernelChoice, int stride = 1)
    {
        int pad = k / 2;
        int ohw = ((hw + (2 * pad) - k) / stride) + 1;
        var g = new WindowGeometry
        {
            SpatialRank = 2, Input = [1, hw, hw], Output = [1, ohw, ohw], Kernel = [1, k, k], Strides = [1, stride, stride],
            Dilations = [1, 1, 1], PadsBegin = [0, pad, pad], PadsEnd = [0, pad, pad],
        };
        var p = new ConvParams(1, cin, cout, 1, g);
        var x = new AlignedFloats((long)cin * hw * hw);
        var w = new AlignedFloats((long)cout * cin * k * k);
        var b = new AlignedFloats(cout);
        var y = new AlignedFloats((long)cout * ohw * ohw);
        Fill(x);
        Fill(w);
        var args = new KernelArgs(
            [
                new TensorView(DataType.Float32, [1, cin, hw, hw], (nint)x.Pointer),
                new TensorView(DataType.Float32, [cout, cin, k, k], (nint)w.Pointer),
                new TensorView(DataType.Float32, [cout], (nint)b.Pointer),
            ],
            [new TensorView(DataType.Float32, [1, cout, ohw, ohw], (nint)y.Pointer)], [], threads);
        IKernel kernel = Choose(p, w.Pointer, threads, kernelChoice);
        if (Environment.GetEnvironmentVariable("PROBE_RELU") == "1" && kernel is IActivationEpilogue epilogue)
        {
            epilogue.SetActivation(FusedActivation.Relu);     // PROBE_RELU=1: the fused Relu of the networks' convs
        }

        double median = _evict is { } ev ? ColdMedian(reps, ev, () => kernel.Run(args)) : Median(reps, () => kernel.Run(args));
        if (kernel is ConvWinogradF4x4 wino)
        {
            var ticks = new long[3];
            for (int r = 0; r < reps; r++)
            {
                wino.RunTimed(args, ticks);
            }

            Console.WriteLine($"   phases (mean ms): input {ticks[0] * 1e3 / Stopwatch.Frequency / reps:F2}, gemm {ticks[1] * 1e3 / Stopwatch.Frequency / reps:F2}, output {ticks[2] * 1e3 / Stopwatch.Frequency / reps:F2}");
        }

        string name = kernel is IDescribedKernel d ? d.KernelName : kernel.GetType().Name;
        Report($"conv {label,-22} {cin}->{cout} {hw}x{hw} k{k} s{stride} t={threads} {name,-44}", 2.0 * cout * cin * k * k * ohw * ohw, median);
    }

    private static void PointwiseAb(int cin, int cout, int hw, int threads, int reps)
    {
        var g = new WindowGeometry
        {
            SpatialRank = 2, Input = [1, hw, hw], Output = [1, hw, hw], Kernel = [1, 1, 1], Strides = [1, 1, 1],
            Dilations = [1, 1, 1], PadsBegin = [0, 0, 0], PadsEnd = [0, 0, 0],
        };
        var p = new ConvParams(1, cin, cout, 1, g);
        var x = new AlignedFloats((long)cin * hw * hw);
        var w = new AlignedFloats((long)cout * cin);
        var b = new AlignedFloats(cout);
        var y = new AlignedFloats((long)cout * hw * hw);
        Fill(x);
        Fill(w);
        var args = new KernelArgs(
            [
                new TensorView(DataType.Float32, [1, cin, hw, hw], (nint)x.Pointer),
                new TensorView(DataType.Float32, [cout, cin, 1, 1], (nint)w.Pointer),
                new TensorView(DataType.Float32, [cout], (nint)b.Pointer),
            ],
            [new TensorView(DataType.Float32, [1, cout, hw, hw], (nint)y.Pointer)], [], threads);
        IKernel[] kernels = [Choose(p, w.Pointer, threads, null), new ConvRowTile(p, w.Pointer, threads)];
        foreach (var k in kernels)
        {
            if (k is IActivationEpilogue e)
            {
                e.SetActivation(FusedActivation.Relu);
            }
        }

        var t = new double[2][];
        t[0] = new double[reps];
        t[1] = new double[reps];
        for (int r = -3; r < reps; r++)
        {
            for (int v = 0; v < 2; v++)
            {
                long s = Stopwatch.GetTimestamp();
                for (int i = 0; i < Inner; i++)
                {
                    kernels[v].Run(args);
                }

                if (r >= 0)
                {
                    t[v][r] = Stopwatch.GetElapsedTime(s).TotalSeconds / Inner;
                }
            }
        }

        Array.Sort(t[0]);
        Array.Sort(t[1]);
        double flops = 2.0 * cout * cin * hw * hw, a = t[0][reps / 2], bb = t[1][reps / 2];
        string na = kernels[0] is IDescribedKernel d ? d.KernelName : kernels[0].GetType().Name;
        Console.WriteLine($"pwab {cin}->{cout} {hw}x{hw} t={threads}: A {na} {a * 1e3:F4} ms {flops / a / 1e9:F1} GFLOP/s | B rowtile {bb * 1e3:F4} ms {flops / bb / 1e9:F1} GFLOP/s | B/A {bb / a:F3}");
    }

    private static void DepthwiseProbe(int c, int hw, int stride, int reps)
    {
        int ohw = ((hw + 2 - 3) / stride) + 1;
        var g = new WindowGeometry
        {
            SpatialRank = 2, Input = [1, hw, hw], Output = [1, ohw, ohw], Kernel = [1, 3, 3], Strides = [1, stride, stride],
            Dilations = [1, 1, 1], PadsBegin = [0, 1, 1], PadsEnd = [0, 1, 1],
        };
        var p = new ConvParams(1, c, c, c, g);
        var x = new AlignedFloats((long)c * hw * hw);
        var w = new AlignedFloats((long)c * 9);
        var b = new AlignedFloats(c);
        var y = new AlignedFloats((long)c * ohw * ohw);
        Fill(x);
        Fill(w);
        var args = new KernelArgs(
            [
                new TensorView(DataType.Float32, [1, c, hw, hw], (nint)x.Pointer),
                new TensorView(DataType.Float32, [c, 1, 3, 3], (nint)w.Pointer),
                new TensorView(DataType.Float32, [c], (nint)b.Pointer),
            ],
            [new TensorView(DataType.Float32, [1, c, ohw, ohw], (nint)y.Pointer)], [], 1);
        double flops = 2.0 * c * 9 * ohw * ohw;
        foreach (int t in new[] { 1, 2 })
        {
            var targs = new KernelArgs(args.Inputs, args.Outputs, [], t);
            var kernel = new ConvDepthwise(p, KernelIsaSupport.Best, t);
            Report($"depthwise 3x3 C={c} {hw}x{hw} s{stride} t={t} {kernel.KernelName,-26}", flops, Median(reps, () => kernel.Run(targs)));
            if (ConvDepthwisePlanes.Supports(p, KernelIsaSupport.Best))
            {
                var planes = new ConvDepthwisePlanes(p, t);
                Report($"depthwise 3x3 C={c} {hw}x{hw} s{stride} t={t} {planes.KernelName,-26}", flops, Median(reps, () => planes.Run(targs)));
            }
        }

        Report($"depthwise 3x3 C={c} {hw}x{hw} s{stride} t=1 {"ConvReference",-26}", flops, Median(reps, () => ConvReference.Run(p, x.Pointer, w.Pointer, b.Pointer, y.Pointer, 1)));
    }

    /// <summary>
    /// VGG-16 (ImageNet shapes, batch 1) with seeded random He-scaled weights, built as a graph and run through an
    /// InferenceSession: the default plan (SIMD kernels) against ReferenceKernels, per-op-kind time and the max
    /// relative difference of the logits.
    /// </summary>
    private static void Vgg16(int reps, bool withReference)
    {
        var graph = new NativeCnn.Runtime.Graph.ModelGraph { OpsetVersions = { [""] = 13 } };
        graph.Inputs.Add(new NativeCnn.Runtime.Graph.ValueInfo { Name = "x", DataType = DataType.Float32 });
        var rng = new Random(5);
        string prev = "x";
        int c = 3, layer = 0;
        Tensor Rand(float scale, params int[] shape)
        {
            var t = Tensor.Create(DataType.Float32, shape);
            var sp = t.AsSpan<float>();
            for (int i = 0; i < sp.Length; i++)
            {
                sp[i] = (float)(((rng.NextDouble() * 2) - 1) * scale);
            }

            return t;
        }

        void Node(string op, string[] inputs, string output, params NativeCnn.Runtime.Graph.AttributeValue[] attrs)
        {
            var n = new NativeCnn.Runtime.Graph.Node { OpType = op, Name = output };
            n.Inputs.AddRange(inputs);
            n.Outputs.Add(output);
            foreach (var a in attrs)
            {
                n.SetAttribute(a);
            }

            graph.Nodes.Add(n);
        }

        foreach (int[] block in new[] { new[] { 64, 64 }, new[] { 128, 128 }, new[] { 256, 256, 256 }, new[] { 512, 512, 512 }, new[] { 512, 512, 512 } })
        {
            foreach (int co in block)
            {
                layer++;
                graph.Initializers[$"w{layer}"] = Rand((float)Math.Sqrt(6.0 / (c * 9)), co, c, 3, 3);
                graph.Initializers[$"b{layer}"] = Rand(0.01f, co);
                Node("Conv", [prev, $"w{layer}", $"b{layer}"], $"conv{layer}", NativeCnn.Runtime.Graph.AttributeValue.Of("pads", [1L, 1, 1, 1]));
                Node("Relu", [$"conv{layer}"], $"relu{layer}");
                prev = $"relu{layer}";
                c = co;
            }

            Node("MaxPool", [prev], $"pool{layer}", NativeCnn.Runtime.Graph.AttributeValue.Of("kernel_shape", [2L, 2]), NativeCnn.Runtime.Graph.AttributeValue.Of("strides", [2L, 2]));
            prev = $"pool{layer}";
        }

        Node("Flatten", [prev], "flat");
        prev = "flat";
        foreach (var (k, n) in new[] { (25088, 4096), (4096, 4096), (4096, 1000) })
        {
            layer++;
            graph.Initializers[$"w{layer}"] = Rand((float)Math.Sqrt(6.0 / k), n, k);
            graph.Initializers[$"b{layer}"] = Rand(0.01f, n);
            Node("Gemm", [prev, $"w{layer}", $"b{layer}"], $"fc{layer}", NativeCnn.Runtime.Graph.AttributeValue.Of("transB", 1L));
            prev = $"fc{layer}";
            if (n != 1000)
            {
                Node("Relu", [prev], $"fcrelu{layer}");
                prev = $"fcrelu{layer}";
            }
        }

        graph.Outputs.Add(new NativeCnn.Runtime.Graph.ValueInfo { Name = prev });
        var input = Rand(1f, 1, 3, 224, 224);
        double[]? fastLogits = null;
        foreach (bool reference in withReference ? new[] { false, true } : new[] { false })
        {
            foreach (int threads in reference ? new[] { 1 } : new[] { 1, 2 })
            {
                using var session = new NativeCnn.Runtime.Execution.InferenceSession(graph, new PlanOptions { Threads = threads, ReferenceKernels = reference, Profile = true });
                var store = session.Run([new("x", input)]);
                int n = reference ? 1 : reps;
                var times = new double[n];
                var perKind = new Dictionary<string, double>();
                for (int r = 0; r < n; r++)
                {
                    session.Run([new("x", input)]);
                    times[r] = session.LastRunMilliseconds;
                    for (int i = 0; i < session.StepMilliseconds.Count; i++)
                    {
                        string kind = session.Plan!.Steps[i].Kernel is IDescribedKernel d ? d.KernelName : graph.Nodes.First(x => x.Name == session.Plan.Steps[i].Outputs[0] || x.Outputs.Contains(session.Plan.Steps[i].Outputs[0])).OpType;
                        kind = kind.Split('(')[0];
                        perKind[kind] = perKind.GetValueOrDefault(kind) + (session.StepMilliseconds[i] / n);
                    }
                }

                Array.Sort(times);
                long before = GC.GetTotalAllocatedBytes(precise: true);
                session.RunInPlace();
                long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                var logits = store[prev].ToDoubleArray();
                string diff = "";
                if (fastLogits is null)
                {
                    fastLogits = logits;
                }
                else
                {
                    double scale = logits.Max(Math.Abs), max = 0;
                    for (int i = 0; i < logits.Length; i++)
                    {
                        max = Math.Max(max, Math.Abs(logits[i] - fastLogits[i]));
                    }

                    diff = $", max|fast − this| / max|logit| = {max / scale:E2}";
                }

                Console.WriteLine($"VGG-16 batch 1, {(reference ? "ReferenceKernels" : "default plan")}, threads {threads}: median {times[n / 2]:F1} ms over {n} runs (15.5 GFLOP){diff}; managed bytes allocated by one RunInPlace: {allocated}");
                foreach (var (kind, ms) in perKind.OrderByDescending(kv => kv.Value))
                {
                    Console.WriteLine($"   {kind,-28} {ms,9:F2} ms");
                }
            }
        }
    }

    /// <summary>3×3 stride-1 pad-1 shapes (C_in, C_out, H = W) of the four benchmark models.</summary>
    private static readonly (int, int, int)[] WinoShapes =
    [
        (64, 64, 56), (128, 128, 28), (256, 256, 14),                      // ResNet-18 layer1-3
        (16, 64, 55), (32, 128, 27), (48, 192, 13), (64, 256, 13),          // SqueezeNet 1.1 expand3x3
        (16, 128, 56), (32, 256, 28), (64, 512, 14),                        // Tiny Darknet
        (64, 64, 224), (128, 128, 112), (256, 256, 56), (512, 512, 28), (512, 512, 14), // VGG-16
        (3, 64, 224), (3, 16, 224), (16, 32, 112), (32, 64, 56), (16, 32, 28), (32, 32, 28), (64, 32, 28), (64, 64, 21),   // small C_in / C_out, 7×7 and 6×6 tiles
    ];

    /// <summary>twin TWIN_KERNEL=copy: streams a private buffer into another (an im2col-sized copy), nothing else.</summary>
    private sealed class CopyProbeKernel(long length) : IKernel
    {
        private readonly AlignedFloats _a = new(length), _b = new(length);

        public void Run(KernelArgs args)
        {
            for (long i = 0; i < length; i += 1 << 20)
            {
                Floats.Copy(_a.Pointer + i, _b.Pointer + i, (int)Math.Min(1 << 20, length - i));
            }
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sched_setaffinity")]
    private static extern int SchedSetAffinity(int pid, nint size, ulong* mask);

    private static IKernel Choose(ConvParams p, float* w, int threads, string? choice) => choice switch
    {
        "direct" => ConvDirectSmallK.Supports(p) ? new ConvDirectSmallK(p, w, threads) : ConvRowTile.Worthwhile(p) ? new ConvRowTile(p, w, threads) : new ConvSgemm(p, w, KernelIsaSupport.Best, threads),
        "winograd" => new ConvWinogradF4x4(p, w, KernelIsaSupport.Best, threads),
        "smallplane" => new ConvSmallPlane(p, w, threads, "SgemmPackedAvx512_14x32"),
        "rowtile" => ConvRowTile.Supports(p) ? new ConvRowTile(p, w, threads) : throw new NotSupportedException(),
        "sg14" => new ConvSgemm(p, w, KernelIsaSupport.Best, threads, "SgemmPackedAvx512_14x32"),
        "sg48" => new ConvSgemm(p, w, KernelIsaSupport.Best, threads, "SgemmPackedAvx512_8x48"),
        _ => new ConvSgemm(p, w, KernelIsaSupport.Best, threads),
    };

    private static void Sgemm<TMicro>(int m, int n, int k, int threads, int reps, string label) where TMicro : ISgemmMicroKernel
    {
        var a = new AlignedFloats((long)m * k);
        var b = new AlignedFloats((long)k * n);
        var c = new AlignedFloats((long)m * n);
        Fill(a);
        Fill(b);
        var g = new SgemmPacked<TMicro, DenseRowsPanelSource>(m, n, k, threads);
        var pa = g.PackWeights(m, k, a.Pointer, k, 1);
        var src = new DenseRowsPanelSource(b.Pointer, n);
        double median = Median(reps, () => g.Run(pa, src, null, c.Pointer, n));
        Report($"sgemm {typeof(TMicro).Name,-24} {label,-26} M={m} N={n} K={k} t={threads}", 2.0 * m * n * k, median);
    }

    /// <summary>Wall-clock figure, and per CPU-second of the process (what the kernel gets when the shared cores are busy).</summary>
    internal static void Report(string what, double flops, double seconds) =>
        Console.WriteLine($"{what}: {seconds * 1e3,8:F2} ms {flops / seconds / 1e9,7:F1} GFLOP/s wall | {_cpu * 1e3,8:F2} ms {flops / _cpu / 1e9,7:F1} GFLOP/CPU-s");

    private static double _cpu;

    private static AlignedFloats? _evict;

    /// <summary>Median time of <paramref name="run"/> right after writing a 64 MiB buffer (caches hold none of its data).</summary>
    private static double ColdMedian(int reps, AlignedFloats evict, Action run, AlignedFloats? touch = null)
    {
        var t = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            new Span<float>(evict.Pointer, (int)evict.Length).Fill(r);
            if (touch is not null)
            {
                // Rewrite the input (as the producing step would have just done), same values.
                var span = new Span<float>(touch.Pointer, (int)touch.Length);
                span.Reverse();
                span.Reverse();
            }

            long s = Stopwatch.GetTimestamp();
            run();
            t[r] = Stopwatch.GetElapsedTime(s).TotalSeconds;
        }

        Array.Sort(t);
        _cpu = t[reps / 2];
        return t[reps / 2];
    }

    private static readonly int Inner = int.TryParse(Environment.GetEnvironmentVariable("PROBE_INNER"), out int inner) && inner > 0 ? inner : 1;

    internal static double Median(int reps, Action run)
    {
        run();
        run();
        var t = new double[reps];
        var c = new double[reps];
        var self = Process.GetCurrentProcess();
        for (int r = 0; r < reps; r++)
        {
            self.Refresh();
            var c0 = self.TotalProcessorTime;
            long s = Stopwatch.GetTimestamp();
            for (int i = 0; i < Inner; i++)
            {
                run();      // PROBE_INNER=n: n runs back to back (helper threads stay awake), the mean
            }

            t[r] = Stopwatch.GetElapsedTime(s).TotalSeconds / Inner;
            self.Refresh();
            c[r] = (self.TotalProcessorTime - c0).TotalSeconds / Inner;
        }

        Array.Sort(t);
        Array.Sort(c);
        _cpu = c[reps / 2];
        return t[reps / 2];
    }

    internal static void Fill(AlignedFloats f)
    {
        var rng = new Random(1);
        for (long i = 0; i < f.Length; i++)
        {
            f.Pointer[i] = (float)((rng.NextDouble() * 2) - 1);
        }
    }

    /// <summary>
    /// What one two-worker round costs: a WorkQueue of 16 items of about 2 µs of arithmetic each (32 µs on one worker,
    /// 16 ideal on two), optionally each item also touching its 1/16 of 200 KiB that the caller rewrote before the round
    /// (so the helper's items pull lines from the caller's cache). Medians over many rounds, after a gap of caller-only
    /// work as between a forward pass's steps; "helper share" is the fraction of items the helper ran.
    /// </summary>
    private static unsafe void Rounds(int reps)
    {
        const int Floats = 51_200;                      // 200 KiB
        const int Items = 16;
        float* buf = (float*)System.Runtime.InteropServices.NativeMemory.AlignedAlloc(Floats * sizeof(float), 64);
        new Span<float>(buf, Floats).Clear();
        bool touch = false;
        int helperItems = 0;
        double spinUs = 2;
        var queue = new WorkQueue((item, w) =>
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            while (System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds < spinUs)
            {
            }

            if (touch)
            {
                float* p = buf + (item * (Floats / Items));
                for (int i = 0; i < Floats / Items; i += 16)
                {
                    p[i] += 1;
                }
            }

            if (w != 0)
            {
                Interlocked.Increment(ref helperItems);
            }
        });
        foreach (bool withData in new[] { false, true })
        {
            foreach (int gapUs in new[] { 0, 20, 200 })
            {
                touch = withData;
                var t = new double[Math.Max(reps, 1) * 200];
                helperItems = 0;
                for (int r = 0; r < t.Length; r++)
                {
                    if (withData)
                    {
                        for (int i = 0; i < Floats; i += 16)
                        {
                            buf[i] = r;         // the caller owns every line before the round
                        }
                    }

                    long g0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    while (System.Diagnostics.Stopwatch.GetElapsedTime(g0).TotalMicroseconds < gapUs)
                    {
                    }

                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    queue.Run(Items, 2);
                    t[r] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                }

                double share = (double)helperItems / (Items * t.Length);
                Array.Sort(t);
                Console.WriteLine($"rounds  16 x 2 us{(withData ? " + 12.5 KiB each" : ""),-18} gap {gapUs,4} us: median {t[t.Length / 2],7:F2} us  p90 {t[t.Length * 9 / 10],7:F2} us  helper share {share:P0}");
            }
        }

        System.Runtime.InteropServices.NativeMemory.AlignedFree(buf);
    }
}
