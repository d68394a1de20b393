using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using NativeCnn.Onnx;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Graph;
using NativeCnn.Runtime.Kernels;
using NativeCnn.Runtime.Planning;

namespace NativeCnn.Runtime.Tests;

/// <summary>
/// Kernels report what they own (<see cref="IOwnedMemory"/>) and <see cref="PlanMemory"/> adds it up. The reports
/// are checked three ways: every type a kernel is made of that holds a buffer implements the interface (a reflection
/// scan of the types); on real plans the reported bytes are every array reachable from the kernel objects (a
/// reflection walk of the objects, blind to field names); and the weight bytes of the kernels whose packed layout is
/// known equal what that layout needs.
/// </summary>
[Trait("Category", "Kernels")]        // also run per ISA tier by tests/run-isa-tiers.sh: other tiers choose other kernels
public sealed class KernelOwnedMemoryTests
{
    // ---- models ----

    private static Tensor Seeded(Random rng, params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        return t;
    }

    private sealed class Builder(int seed)
    {
        private readonly Random _rng = new(seed);
        private int _next;

        public ModelGraph Graph { get; } = new() { OpsetVersions = { [""] = 13 } };

        public string Input(string name)
        {
            Graph.Inputs.Add(new ValueInfo { Name = name, DataType = DataType.Float32 });
            return name;
        }

        public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes)
        {
            string y = $"{op.ToLowerInvariant()}{_next++}";
            var node = new Node { OpType = op, Name = y, Outputs = { y } };
            node.Inputs.AddRange(inputs);
            foreach (var (name, value) in attributes)
            {
                node.SetAttribute(value switch
                {
                    long l => AttributeValue.Of(name, l),
                    long[] ls => AttributeValue.Of(name, ls),
                    _ => throw new ArgumentException(name),
                });
            }

            Graph.Nodes.Add(node);
            return y;
        }

        public string Constant(params int[] shape)
        {
            string name = $"c{_next++}";
            Graph.Initializers[name] = Seeded(_rng, shape);
            return name;
        }

        public string Conv(string x, int cin, int cout, int k, int stride = 1, int pad = -1, int group = 1, bool bn = false, bool relu = false)
        {
            pad = pad < 0 ? k / 2 : pad;
            string y = Node("Conv", [x, Constant(cout, cin / group, k, k), Constant(cout)],
                ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }), ("pads", new long[] { pad, pad, pad, pad }), ("group", (long)group));
            if (bn)
            {
                string var = Constant(cout);
                foreach (ref var v in Graph.Initializers[var].AsSpan<float>())
                {
                    v = Math.Abs(v) + 0.1f;
                }

                y = Node("BatchNormalization", [y, Constant(cout), Constant(cout), Constant(cout), var]);
            }

            return relu ? Node("Relu", [y]) : y;
        }

        public string MaxPool(string x, int k, int stride, int pad = 0) =>
            Node("MaxPool", [x], ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }), ("pads", new long[] { pad, pad, pad, pad }));

        public ModelGraph Output(string y)
        {
            Graph.Outputs.Add(new ValueInfo { Name = y });
            return Graph;
        }
    }

    /// <summary>
    /// VGG-like, input 1×3×48×48. On AVX-512: direct small-K stem, row tile, Winograd, small plane; then a MatMul by a
    /// K × N constant (the GEMV keeps a transposed copy) and a Gemm with transB (read in place).
    /// </summary>
    private static ModelGraph VggLike()
    {
        var b = new Builder(21);
        string x = b.Input("x");
        x = b.Conv(x, 3, 32, 3, relu: true);
        x = b.Conv(x, 32, 64, 3, relu: true);
        x = b.MaxPool(x, 2, 2);
        x = b.Conv(x, 64, 128, 3, bn: true, relu: true);                 // 24×24, C_in 64: Winograd where allowed
        x = b.MaxPool(x, 2, 2);
        x = b.Conv(x, 128, 96, 3, relu: true);                           // 12×12, C_out 96: small plane
        x = b.Node("GlobalAveragePool", [x]);
        x = b.Node("Flatten", [x]);
        x = b.Node("MatMul", [x, b.Constant(96, 40)]);
        x = b.Node("Gemm", [x, b.Constant(10, 40), b.Constant(10)], ("transB", 1L));
        return b.Output(x);
    }

    /// <summary>
    /// ResNet-like, input 2×3×32×32: a 7×7/2 stem, a basic block and a downsampling block (BatchNorm folded, Add, Relu),
    /// a strided depthwise conv and a grouped conv, a dense layer at batch 2 (packed SGEMM).
    /// </summary>
    private static ModelGraph ResNetLike()
    {
        var b = new Builder(22);
        string x = b.Input("x");
        x = b.Conv(x, 3, 32, 7, stride: 2, bn: true, relu: true);
        x = b.MaxPool(x, 3, 2, pad: 1);
        string h = b.Conv(x, 32, 32, 3, bn: true, relu: true);
        h = b.Conv(h, 32, 32, 3, bn: true);
        x = b.Node("Relu", [b.Node("Add", [h, x])]);
        h = b.Conv(x, 32, 64, 3, stride: 2, bn: true, relu: true);
        h = b.Conv(h, 64, 64, 3, bn: true);
        x = b.Node("Relu", [b.Node("Add", [h, b.Conv(x, 32, 64, 1, stride: 2, bn: true)])]);
        x = b.Conv(x, 64, 64, 3, stride: 2, group: 64, relu: true);
        x = b.Conv(x, 64, 64, 1, group: 4);
        x = b.Node("GlobalAveragePool", [x]);
        x = b.Node("Flatten", [x]);
        x = b.Node("Gemm", [x, b.Constant(10, 64), b.Constant(10)], ("transB", 1L));
        return b.Output(x);
    }

    /// <summary>An LSTM and a GRU over the same 3 × 1 × 4 sequence (hidden size 5): kernels with running states.</summary>
    private static ModelGraph Recurrent()
    {
        var b = new Builder(23);
        string x = b.Input("x");
        string lstm = b.Node("LSTM", [x, b.Constant(1, 20, 4), b.Constant(1, 20, 5)], ("hidden_size", 5L));
        string gru = b.Node("GRU", [x, b.Constant(1, 15, 4), b.Constant(1, 15, 5)], ("hidden_size", 5L));
        b.Output(lstm);
        return b.Output(gru);
    }

    public static TheoryData<string, bool> Models() => new()
    {
        { "squeezenet", false }, { "squeezenet", true }, { "vgg", false }, { "vgg", true }, { "resnet", false }, { "resnet", true }, { "recurrent", false },
    };

    private static (ModelGraph Graph, Tensor Input) Model(string name) => name switch
    {
        "squeezenet" => SqueezeNet(),
        "vgg" => (VggLike(), Seeded(new Random(1), 1, 3, 48, 48)),
        "resnet" => (ResNetLike(), Seeded(new Random(2), 2, 3, 32, 32)),
        "recurrent" => (Recurrent(), Seeded(new Random(3), 3, 1, 4)),
        _ => throw new ArgumentException(name),
    };

    private static (ModelGraph, Tensor) SqueezeNet()
    {
        string path = NativeCnn.Tests.TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx");
        var input = OnnxTensor.Read(Path.Combine(Path.GetDirectoryName(path)!, "test_data_set_0", "input_0.pb")).Tensor;
        return (OnnxModel.Load(path), input);
    }

    // ---- the reports are complete ----

    /// <summary>
    /// Types a kernel is made of that hold no buffer the kernel owns, though their fields could: model and plan
    /// constants (counted by <see cref="PlanMemory"/> as weights / plan constants), the shared scratch block (counted as
    /// <see cref="PlanMemory.SharedScratchBytes"/>), the buffer types the collector sizes itself, and the work queue
    /// (its delegates point back at the kernel).
    /// </summary>
    private static readonly Type[] NotOwners =
        [typeof(Tensor), typeof(TensorView), typeof(SharedScratch), typeof(AlignedFloats), typeof(ScratchFloats), typeof(SgemmPackedA), typeof(WorkQueue)];

    /// <summary>A parameter record (shapes, strides, copy sizes validated at plan time): describes the node, owns no buffer.</summary>
    private static bool IsRecord(Type t) => t.GetProperty("EqualityContract", BindingFlags.Instance | BindingFlags.NonPublic) is not null;

    private static bool IsBuffer(Type t) =>
        (t.IsArray && (t.GetElementType()!.IsValueType || IsBuffer(t.GetElementType()!)))
        || t == typeof(AlignedFloats) || t == typeof(ScratchFloats) || t == typeof(SgemmPackedA)
        || typeof(IOwnedMemory).IsAssignableFrom(t) || typeof(IKernel).IsAssignableFrom(t)
        || (t.IsGenericType && typeof(IOwnedMemory).IsAssignableFrom(t.GetGenericTypeDefinition()));

    private static IEnumerable<FieldInfo> InstanceFields(Type t) =>
        t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    /// <summary>
    /// Every kernel type, and every type of the runtime held by a kernel's fields (transitively, implementations of an
    /// interface field included), that has a field holding a buffer (an array of values, an aligned or scratch buffer,
    /// a packed matrix, a part that owns memory, a wrapped kernel) implements <see cref="IOwnedMemory"/>. Lambdas given
    /// to <see cref="DelegateKernel"/> capture parameters only (checked below).
    /// </summary>
    [Fact]
    public void EveryKernelPartThatHoldsABufferReportsIt()
    {
        var assembly = typeof(IKernel).Assembly;
        var types = assembly.GetTypes();
        var pending = new Queue<Type>(types.Where(t => typeof(IKernel).IsAssignableFrom(t) && t.IsClass && !t.IsAbstract));
        var visited = new HashSet<Type>();
        var missing = new List<string>();
        while (pending.TryDequeue(out var type))
        {
            type = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
            if (!visited.Add(type) || NotOwners.Contains(type) || IsRecord(type))
            {
                continue;
            }

            var fields = InstanceFields(type).ToList();
            var holding = fields.Where(f => IsBuffer(f.FieldType)).Select(f => $"{f.FieldType.Name} {f.Name}").ToList();
            if (holding.Count > 0 && !typeof(IOwnedMemory).IsAssignableFrom(type))
            {
                missing.Add($"{type.FullName} holds {string.Join(", ", holding)}");
            }

            foreach (var f in fields)
            {
                var ft = f.FieldType.IsArray ? f.FieldType.GetElementType()! : f.FieldType;
                ft = ft.IsGenericType ? ft.GetGenericTypeDefinition() : ft;
                if (ft.Assembly != assembly || ft.IsEnum || ft.IsPrimitive)
                {
                    continue;
                }

                pending.Enqueue(ft);
                if (ft.IsInterface)
                {
                    foreach (var impl in types.Where(t => t.IsClass && !t.IsAbstract && (ft.IsAssignableFrom(t)
                        || t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == ft))))
                    {
                        pending.Enqueue(impl);
                    }
                }
            }
        }

        Assert.True(missing.Count == 0, "kernel parts that hold buffers but do not implement IOwnedMemory:\n" + string.Join("\n", missing));
        Assert.Contains(typeof(ConvWinogradF4x4), visited);                       // the scan reached the kernels and their parts
        Assert.Contains(typeof(SgemmPacked<,>), visited);
        Assert.Contains(typeof(PerCallWeightPack), visited);
    }

    /// <summary>
    /// The arrays captured by lambdas of the runtime: a <see cref="DelegateKernel"/>'s lambda cannot report memory, so
    /// each capture is listed here with what it is (parameters of a few elements, or a lambda that only runs at plan
    /// time). A new capture of an array must be looked at; if it is a buffer, the lambda becomes a kernel class.
    /// </summary>
    [Fact]
    public void LambdasCaptureOnlyParameterArrays()
    {
        string[] known =
        [
            "Dropout.one",                                  // the constant 1 of the mask
            "Reduction.reduced",                            // per axis: reduced or not
            "Shape.values",                                 // the shape, the op's output
            "Squeeze.axes",
            "RnnActivation.alphas", "RnnActivation.betas",  // attribute values, read at plan time
            "BroadcastLayout.output",                       // plan time
            "Planner.pending",                              // plan time
        ];
        var captures = typeof(IKernel).Assembly.GetTypes()
            .Where(t => t.IsDefined(typeof(CompilerGeneratedAttribute)) && t.DeclaringType is not null)
            .SelectMany(t => InstanceFields(t).Where(f => f.FieldType.IsArray).Select(f => $"{Outermost(t).Name}.{f.Name}"))
            .Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(known.Order(StringComparer.Ordinal), captures);
    }

    private static Type Outermost(Type t) => t.DeclaringType is { } d ? Outermost(d) : t;

    /// <summary>
    /// For real plans, each step's reported bytes are the bytes of every array of values reachable from its kernel
    /// object (through any field, delegate target or array of references) that is not a model or plan constant, a
    /// parameter record's or already counted for an earlier step. Measured after a run too: kernels then hold pointers
    /// to their last operands, which must not change what is counted.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void ReportedBytesAreEveryArrayTheKernelsReach(string model, bool lowMemory)
    {
        var (graph, input) = Model(model);
        using var session = new InferenceSession(graph, new PlanOptions { Threads = 2, Profile = false, LowMemory = lowMemory });
        var shapes = new Dictionary<string, int[]> { [graph.Inputs[0].Name] = input.Shape };
        var plan = session.Prepare(shapes);
        var before = PlanMemory.Measure(plan);
        session.Run(input);
        var after = PlanMemory.Measure(plan);
        Assert.Equal(before.Kernels, after.Kernels);

        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var v in plan.Values.Values)
        {
            if (v.Constant is { } c)
            {
                seen.Add(c.Data);
            }
        }

        foreach (var t in graph.Initializers.Values)
        {
            seen.Add(t.Data);
        }

        foreach (var k in after.Kernels)
        {
            long reachable = ReachableArrayBytes(plan.Steps[k.Step].Kernel, seen);
            Assert.True(reachable == k.Bytes, $"step {k.Step} {k.Kernel}: reports {k.WeightBytes} + {k.ScratchBytes} bytes, reaches {reachable}");
        }

        Assert.True(after.KernelBytes > 0 || lowMemory);                        // something was compared (low memory on the scalar tier: nothing to)
    }

    /// <summary>Bytes of the arrays of values reachable from <paramref name="root"/> and not in <paramref name="seen"/> (which it extends).</summary>
    private static long ReachableArrayBytes(object root, HashSet<object> seen)
    {
        long bytes = 0;
        var stack = new Stack<object>([root]);
        while (stack.TryPop(out var o))
        {
            var type = o.GetType();
            if (!seen.Add(o) || NotWalked(type))
            {
                continue;
            }

            if (o is Array a)
            {
                var element = type.GetElementType()!;
                if (element.IsValueType)
                {
                    bytes += a.LongLength * (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(element).Invoke(null, null)!;
                }
                else
                {
                    foreach (var e in a)
                    {
                        if (e is not null)
                        {
                            stack.Push(e);
                        }
                    }
                }

                continue;
            }

            if (o is Delegate d)
            {
                if (d.Target is { } target)
                {
                    stack.Push(target);
                }

                continue;
            }

            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
            {
                foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    if (!f.FieldType.IsValueType && !f.FieldType.IsPointer && f.GetValue(o) is { } child)
                    {
                        stack.Push(child);
                    }
                }
            }
        }

        return bytes;
    }

    private static bool NotWalked(Type t) =>
        t == typeof(string) || typeof(MemberInfo).IsAssignableFrom(t) || t == typeof(Thread) || t == typeof(Graph.Node)
        || t == typeof(ModelGraph) || t == typeof(Tensor) || t == typeof(SharedScratch) || IsRecord(t);

    // ---- the reports are right ----

    private const int Points = 36;                    // Winograd F(4×4, 3×3): 6×6 transform points, one packed U per point

    private static int MR(string kernelName) => int.Parse(Regex.Match(kernelName, @"Sgemm\w+_(\d+)x\d+").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Bytes of an owned packed matrix of m rows (panels of <paramref name="mr"/>) by k (an aligned buffer: 16 floats of slack).</summary>
    private static long Packed(int m, int k, int mr) => (((long)(m + mr - 1) / mr * mr * k) + 16) * sizeof(float);

    private static PlanMemory Measure(ModelGraph graph, int[] shape, PlanOptions options)
    {
        using var session = new InferenceSession(graph, options);
        var plan = session.Prepare(new Dictionary<string, int[]> { [graph.Inputs[0].Name] = shape });
        return PlanMemory.Measure(plan);
    }

    /// <summary>
    /// The VGG-like model: each conv kernel's weight bytes are those of its packed layout (Winograd: 36 packed C_out ×
    /// C_in matrices; row tile: Wᵀ per 64-channel panel; small plane: Wᵀ as B panels of 32 columns; direct: blocks of 8
    /// channels); the MatMul's GEMV keeps the K × N constant transposed, the transB Gemm reads its constant in place.
    /// Low memory: no kernel keeps a weight copy but the direct stem's, and the row tile owns only its k offsets.
    /// </summary>
    [Fact]
    public void WeightBytesAreThoseOfThePackedLayouts()
    {
        var graph = VggLike();
        var m = Measure(graph, [1, 3, 48, 48], new PlanOptions { Threads = 2, Profile = false });
        var convs = m.Kernels.Where(k => k.Op == "Conv").ToList();
        Assert.Equal(4, convs.Count);
        foreach (var (conv, (cin, cout)) in convs.Zip(new[] { (3, 32), (32, 64), (64, 128), (128, 96) }))
        {
            int k = cin * 9;
            long expected = conv.Kernel switch
            {
                var n when n.StartsWith("ConvWinogradF4x4", StringComparison.Ordinal) => Points * Packed(cout, cin, MR(n)),
                var n when n.StartsWith("ConvRowTile", StringComparison.Ordinal) => Packed(cout, k, 64),
                var n when n.StartsWith("ConvSmallPlaneSgemm", StringComparison.Ordinal) => Packed(cout, k, 32),
                var n when n.StartsWith("ConvDirectSmallK", StringComparison.Ordinal) => Packed(cout, k, 8),
                var n => Packed(cout, k, MR(n)),                                   // im2col SGEMM: W as A panels
            };
            Assert.True(expected == conv.WeightBytes, $"{conv.Node} {conv.Kernel}: {conv.WeightBytes} weight bytes, expected {expected}");
        }

        if (KernelIsaSupport.Best == KernelIsa.Vector512)
        {
            string[] kernels = ["ConvDirectSmallK", "ConvRowTile", "ConvWinogradF4x4", "ConvSmallPlaneSgemm"];
            Assert.All(convs.Zip(kernels), c => Assert.StartsWith(c.Second, c.First.Kernel, StringComparison.Ordinal));
        }

        var dense = m.Kernels.Where(k => k.Op is "MatMul" or "Gemm").ToList();
        Assert.Equal([(40L * 96) + 16, 0], dense.Select(k => k.WeightBytes / sizeof(float)));

        var low = Measure(graph, [1, 3, 48, 48], new PlanOptions { Threads = 2, Profile = false, LowMemory = true });
        Assert.DoesNotContain(low.Kernels, k => k.Kernel.Contains("Winograd", StringComparison.Ordinal));
        foreach (var (k, cin) in low.Kernels.Where(k => k.Op == "Conv").Zip(new[] { 3, 32, 64, 128 }))
        {
            bool direct = k.Kernel.StartsWith("ConvDirectSmallK", StringComparison.Ordinal);   // K ≤ 160: packs its few weights at plan time
            Assert.True(direct ? k.WeightBytes == convs[0].WeightBytes : k.WeightBytes == 0, $"{k.Node} {k.Kernel}: {k.WeightBytes} weight bytes under LowMemory");
            if (k.Kernel.StartsWith("ConvRowTile", StringComparison.Ordinal))
            {
                Assert.Equal(cin * 9 * sizeof(int), k.ScratchBytes);             // its k offsets; Wᵀ, padded X and Yᵀ are in the shared block
            }
        }

        if (KernelIsaSupport.Best == KernelIsa.Vector512)
        {
            Assert.Equal(2, low.Kernels.Count(k => k.Kernel.StartsWith("ConvRowTile", StringComparison.Ordinal)));   // the Winograd layer's too
        }

        Assert.Equal(convs.Sum(k => k.WeightBytes) + dense.Sum(k => k.WeightBytes), m.KernelWeightBytes);   // no other kernel keeps weights
    }

    /// <summary>Two kernels that report the same buffer or part: it counts for the first.</summary>
    [Fact]
    public void ABufferSharedByTwoKernelsCountsForTheFirst()
    {
        var buffer = new AlignedFloats(100);
        var table = new int[10];
        var shared = new Reporter(m => m.Scratch(table));
        var first = new Reporter(m =>
        {
            m.Weights(buffer);
            m.Part(shared);
        });
        var second = new Reporter(m =>
        {
            m.Scratch(buffer);          // already counted (as weights)
            m.Part(shared);
            m.Table(new long[3]);
        });
        var memory = new OwnedMemory();
        memory.Kernel(first);
        Assert.Equal((116 * 4, 40), (memory.WeightBytes, memory.ScratchBytes));
        memory.Kernel(second);
        Assert.Equal((116 * 4, 40 + 24), (memory.WeightBytes, memory.ScratchBytes));
        memory.Kernel(first);
        Assert.Equal((116 * 4, 40 + 24), (memory.WeightBytes, memory.ScratchBytes));
    }

    private sealed class Reporter(Action<OwnedMemory> report) : IKernel, IOwnedMemory
    {
        public void Run(KernelArgs args)
        {
        }

        public void ReportMemory(OwnedMemory memory) => report(memory);
    }
}
