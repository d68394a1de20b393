using Google.Protobuf;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Onnx.Tests;

/// <summary>
/// <see cref="OnnxModel.Load(string)"/> cuts raw_data out of the model message and reads each payload straight
/// into its tensor: it must give exactly what a full Google.Protobuf parse gives, name the tensor whose data
/// is cut off, and hold the weights once.
/// </summary>
public sealed class LeanLoadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nativecnn-lean-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Tensor Seeded(int seed, params int[] shape)
    {
        var t = Tensor.Create(DataType.Float32, shape);
        var rng = new Random(seed);
        foreach (ref var v in t.AsSpan<float>())
        {
            v = rng.NextSingle() * 2 - 1;
        }

        return t;
    }

    /// <summary>A model with initializers of every type, a Constant, and If / Loop bodies that keep their own initializers.</summary>
    private static ModelGraph NestedModel()
    {
        ModelGraph Branch(string name, int seed) => new OnnxModelBuilder(name)
            .AddInitializer($"{name}_w", Seeded(seed, 3, 5))
            .AddInitializer($"{name}_bias", Tensor.FromArray([1.5, double.NaN, -0.0], 3))
            .AddNode("Add", ["x", $"{name}_w"], [$"{name}_out"])
            .AddOutput($"{name}_out", DataType.Float32, 3, 5)
            .ToGraph();

        var loopBody = new OnnxModelBuilder("body")
            .AddInput("iter", DataType.Int64)
            .AddInput("cond_in", DataType.Bool)
            .AddInput("acc_in", DataType.Float32, 3, 5)
            .AddInitializer("body_step", Seeded(7, 3, 5))
            .AddNode("Identity", ["cond_in"], ["cond_out"])
            .AddNode("Add", ["acc_in", "body_step"], ["acc_out"])
            .AddNode("If", ["cond_in"], ["inner"],
                new AttributeValue { Name = "then_branch", Kind = AttributeKind.Graph, Graph = Branch("inner_then", 11) },
                new AttributeValue { Name = "else_branch", Kind = AttributeKind.Graph, Graph = Branch("inner_else", 12) })
            .AddOutput("cond_out", DataType.Bool)
            .AddOutput("acc_out", DataType.Float32, 3, 5)
            .ToGraph();

        var b = new OnnxModelBuilder("nested").Opset(13)
            .AddInput("x", DataType.Float32, 3, 5)
            .AddInput("flag", DataType.Bool)
            .AddInitializer("w_big", Seeded(1, 64, 3, 3, 3))
            .AddInitializer("w_empty", Tensor.Create(DataType.Float32, [0, 4]))
            .AddInitializer("trip", Tensor.Scalar(3L));
        int i = 0;
        foreach (var t in RoundTripTests.TensorsOfEveryType())
        {
            b.AddInitializer($"typed{i++}", t);
        }

        return b
            .AddNode("Constant", [], ["c"], AttributeValue.Of("value", Seeded(2, 3, 5)))
            .AddNode("Constant", [], ["c2"], new AttributeValue { Name = "value_list", Kind = AttributeKind.Tensors, Tensors = [Seeded(3, 4), Tensor.FromArray([true, false], 2)] })
            .AddNode("If", ["flag"], ["y_if"],
                new AttributeValue { Name = "then_branch", Kind = AttributeKind.Graph, Graph = Branch("then", 4) },
                new AttributeValue { Name = "else_branch", Kind = AttributeKind.Graph, Graph = Branch("else", 5) })
            .AddNode("Loop", ["trip", "flag", "x"], ["y_loop"], new AttributeValue { Name = "body", Kind = AttributeKind.Graph, Graph = loopBody })
            .AddOutput("y_if", DataType.Float32, 3, 5)
            .AddOutput("y_loop", DataType.Float32, 3, 5)
            .ToGraph();
    }

    [Fact]
    public void NestedInitializersRoundTripBitExactlyThroughEveryLoadPath()
    {
        var g = NestedModel();
        byte[] bytes = OnnxWriter.ToBytes(g);
        string path = Path.Combine(_dir, "nested.onnx");
        File.WriteAllBytes(path, bytes);
        var full = OnnxModel.FromProto(OnnxModel.Parse(bytes, "full"), null);

        var fromFile = OnnxModel.Load(path);
        var fromBytes = OnnxModel.Load(bytes, null);
        using var seekable = new MemoryStream(bytes);
        var fromStream = OnnxModel.Load(seekable, null);
        using var pipe = new NonSeekableStream(bytes);
        var fromPipe = OnnxModel.Load(pipe, null);
        foreach (var loaded in new[] { fromFile, fromBytes, fromStream, fromPipe })
        {
            GraphAssert.Equal(full, loaded);
            Assert.Equal(bytes, OnnxWriter.ToBytes(loaded));
        }

        // The nested bodies really hold their own weights (the test would prove nothing if the writer dropped them).
        var loop = fromFile.Nodes.Single(n => n.OpType == "Loop").Attributes["body"].Graph!;
        Assert.Equal(Seeded(7, 3, 5).AsBytes().ToArray(), loop.Initializers["body_step"].AsBytes().ToArray());
        var inner = loop.Nodes.Single(n => n.OpType == "If").Attributes["else_branch"].Graph!;
        Assert.Equal(Seeded(12, 3, 5).AsBytes().ToArray(), inner.Initializers["inner_else_w"].AsBytes().ToArray());
    }

    /// <summary>Protobuf keeps the last of a repeated singular field, and merges a message given twice: the lean path must agree.</summary>
    [Fact]
    public void RepeatedRawDataAndMergedTensorsFollowProtobufRules()
    {
        var proto = OnnxModel.Parse(new OnnxModelBuilder().AddInput("x", DataType.Float32, 2)
            .AddInitializer("w", Tensor.FromArray([1f, 2f], 2))
            .AddNode("Constant", [], ["c"], AttributeValue.Of("value", Tensor.FromArray([5f, 6f], 2)))
            .AddNode("Add", ["x", "w"], ["y"]).AddOutput("y").ToBytes(), "t");

        // A second raw_data for w: the last one wins.
        var w = proto.Graph.Initializer[0];
        byte[] second = Floats(3, 4);
        var wBytes = w.ToByteArray().Concat(new byte[] { 0x4A, (byte)second.Length }).Concat(second).ToArray();

        // The Constant's tensor attribute given twice: the messages merge, the second raw_data wins.
        var attr = proto.Graph.Node[0].Attribute[0];
        var extraT = new TensorProto { RawData = ByteString.CopyFrom(Floats(7, 8)) }.ToByteArray();
        var attrBytes = attr.ToByteArray().Concat(new byte[] { 0x2A, (byte)extraT.Length }).Concat(extraT).ToArray();

        var graphBytes = new List<byte>();
        foreach (var n in proto.Graph.Node.Skip(1))
        {
            graphBytes.AddRange(Field(1, n.ToByteArray()));
        }

        var node0 = proto.Graph.Node[0].Clone();
        node0.Attribute.Clear();
        graphBytes.AddRange(Field(1, node0.ToByteArray().Concat(Field(5, attrBytes)).ToArray()));
        graphBytes.AddRange(Field(5, wBytes));
        var rest = proto.Graph.Clone();
        rest.Node.Clear();
        rest.Initializer.Clear();
        graphBytes.AddRange(rest.ToByteArray());
        var model = proto.Clone();
        model.Graph = null;
        byte[] bytes = model.ToByteArray().Concat(Field(7, [.. graphBytes])).ToArray();

        var full = OnnxModel.FromProto(OnnxModel.Parse(bytes, "full"), null);
        var lean = OnnxModel.Load(bytes, null);
        GraphAssert.Equal(full, lean);
        Assert.Equal([3.0, 4], lean.Initializers["w"].ToDoubleArray());
        Assert.Equal([7.0, 8], lean.Nodes.Single(n => n.OpType == "Constant").Attributes["value"].Tensor!.ToDoubleArray());
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void TruncatedPayloadIsAFormatErrorNamingTheTensor(double fraction)
    {
        byte[] bytes = new OnnxModelBuilder().AddInput("x", DataType.Float32, 1, 4096)
            .AddInitializer("the_small_one", Tensor.FromArray([1f], 1))
            .AddInitializer("the_big_weight", Seeded(1, 1, 4096))
            .AddNode("Add", ["x", "the_big_weight"], ["y"]).AddOutput("y").ToBytes();
        int start = IndexOf(bytes, Floats(Seeded(1, 1, 4096).AsSpan<float>()[..4].ToArray()));
        Assert.True(start > 0);
        string path = Path.Combine(_dir, "cut.onnx");
        File.WriteAllBytes(path, bytes[..(start + (int)(4096 * 4 * fraction))]);

        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("the_big_weight", e.Message);
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.IsType<InvalidProtocolBufferException>(e.InnerException);
    }

    [Fact]
    public void RawDataSizeMismatchIsStillAFormatErrorNamingTheTensor()
    {
        var proto = OnnxModel.Parse(new OnnxModelBuilder().AddInput("x", DataType.Float32, 6)
            .AddInitializer("w_odd", Tensor.Create(DataType.Float32, [2, 3])).AddNode("Add", ["x", "w_odd"], ["y"]).AddOutput("y").ToBytes(), "t");
        proto.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[23]);
        string path = Path.Combine(_dir, "odd.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains("w_odd", e.Message);
        Assert.Contains("raw_data has 23 bytes", e.Message);
    }

    /// <summary>
    /// Loading a ~100 MB model allocates (managed; the loader allocates no native memory) at most 1.2× its
    /// weights; a full Google.Protobuf parse allocates about twice (the ByteStrings, then the tensors). The
    /// allocated-bytes counter of this thread bounds the peak and is not disturbed by tests running in parallel.
    /// </summary>
    [Fact]
    public void LoadingHoldsTheWeightsOnce()
    {
        string path = Path.Combine(_dir, "hundred.onnx");
        long weightBytes = WriteBigModel(path);
        GC.Collect();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var g = OnnxModel.Load(path);
        long lean = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(weightBytes, g.Initializers.Values.Sum(t => t.Length * 4));
        Assert.True(lean <= 1.2 * weightBytes, $"lean load allocated {lean:N0} bytes for {weightBytes:N0} bytes of weights");
        g = null;
        GC.Collect();

        before = GC.GetAllocatedBytesForCurrentThread();
        var fullGraph = OnnxModel.FromProto(OnnxModel.ParseFile(path), _dir, path);
        long full = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(full >= 1.9 * weightBytes, $"the full parse allocated only {full:N0} bytes (the measurement would not catch a second copy)");
        GC.KeepAlive(fullGraph);
    }

    private static long WriteBigModel(string path)
    {
        var b = new OnnxModelBuilder("big").AddInput("x", DataType.Float32, 1, 1 << 20);
        long bytes = 0;
        string prev = "x";
        for (int i = 0; i < 25; i++)
        {
            var t = Seeded(i, 1, 1 << 20);  // 4 MiB each: 100 MiB in all
            b.AddInitializer($"w{i}", t).AddNode("Add", [prev, $"w{i}"], [$"h{i}"]);
            prev = $"h{i}";
            bytes += t.Length * 4;
        }

        var proto = OnnxWriter.ToProto(b.AddOutput(prev).ToGraph());
        using var fs = File.Create(path);
        proto.WriteTo(fs);
        return bytes;
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    private static byte[] Field(int number, byte[] payload)
    {
        var o = new MemoryStream();
        var c = new CodedOutputStream(o);
        c.WriteTag(number, WireFormat.WireType.LengthDelimited);
        c.WriteBytes(ByteString.CopyFrom(payload));
        c.Flush();
        return o.ToArray();
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    /// <summary>
    /// Weights in typed fields (float_data) cannot be cut out like raw_data; past a few MiB the loader lets
    /// Google.Protobuf parse the file directly, as before, rather than also copying them into the small message.
    /// </summary>
    [Fact]
    public void LargeTypedFieldWeightsLoadThroughTheFullParse()
    {
        var proto = OnnxModel.Parse(new OnnxModelBuilder().AddInput("x", DataType.Float32, 1 << 21)
            .AddInitializer("w", Tensor.FromArray([0f], 1)).AddNode("Add", ["x", "w"], ["y"]).AddOutput("y").ToBytes(), "t");
        var values = Seeded(3, 1 << 21);  // 8 MiB
        var w = proto.Graph.Initializer[0];
        w.ClearRawData();
        w.Dims.Clear();
        w.Dims.Add(1 << 21);
        w.FloatData.AddRange(values.AsSpan<float>().ToArray());
        string path = Path.Combine(_dir, "typed.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        proto = null;
        GC.Collect();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var g = OnnxModel.Load(path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(values.AsBytes().ToArray(), g.Initializers["w"].AsBytes().ToArray());
        before = GC.GetAllocatedBytesForCurrentThread();
        var old = OnnxModel.FromProto(OnnxModel.ParseFile(path), _dir, path);
        long oldAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(old);
        // What a full parse allocates (RepeatedField<float> + the tensor: 25 MB here), not that plus the pre-pass's copies (59 MB).
        Assert.True(allocated <= oldAllocated + (1 << 20), $"allocated {allocated:N0} bytes; a full parse allocates {oldAllocated:N0}");
    }
}
