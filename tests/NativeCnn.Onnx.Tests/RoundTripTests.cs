using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;
using NativeCnn.Tests;

namespace NativeCnn.Onnx.Tests;

public class RoundTripTests
{
    /// <summary>One tensor of every storable element type, with values that exercise sign, range ends and NaN bits.</summary>
    public static IEnumerable<Tensor> TensorsOfEveryType()
    {
        yield return Tensor.FromArray([1.5f, -0f, float.NaN, float.PositiveInfinity, float.Epsilon, -3e38f], 2, 3);
        yield return Tensor.FromArray([1.5, -2.25, double.NaN], 3);
        yield return Tensor.FromArray([(Half)1.5, (Half)(-65504), Half.NaN, Half.Epsilon], 4);
        var bf = Tensor.Create(DataType.BFloat16, [2]);
        bf.AsSpan<ushort>()[0] = 0x3FC0;
        bf.AsSpan<ushort>()[1] = 0xFF80;
        yield return bf;
        yield return Tensor.FromArray<sbyte>([-128, 0, 127], 3);
        yield return Tensor.FromArray<byte>([0, 1, 255], 3);
        yield return Tensor.FromArray<short>([short.MinValue, -1, short.MaxValue], 3);
        yield return Tensor.FromArray<ushort>([0, 1, ushort.MaxValue], 3);
        yield return Tensor.FromArray([int.MinValue, -1, int.MaxValue], 3);
        yield return Tensor.FromArray([0u, 1u, uint.MaxValue], 3);
        yield return Tensor.FromArray([long.MinValue, -1L, long.MaxValue], 1, 3);
        yield return Tensor.FromArray([0ul, 1ul, ulong.MaxValue], 3);
        yield return Tensor.FromArray([true, false, true], 3);
        yield return Tensor.Scalar(42f);
        yield return Tensor.Create(DataType.Float32, [2, 0, 3]);
    }

    private static ModelGraph RichGraph()
    {
        var sub = new OnnxModelBuilder("then_branch")
            .AddNode("Identity", ["outer"], ["sub_out"])
            .AddOutput("sub_out", DataType.Float32, 2, 3)
            .ToGraph();
        var b = new OnnxModelBuilder("rich").Opset(13).Opset(1, "com.example")
            .AddInput("x", DataType.Float32, new[] { Dim.Symbolic("N"), Dim.Known(3), Dim.Symbolic(null) })
            .AddInput("flag", DataType.Bool)
            .AddValueInfo("h", DataType.Float32, -1, 3, 4)
            .Metadata("author", "tests")
            .Metadata("model_version", "7")
            .DocString("a model that uses every attribute kind");
        int i = 0;
        foreach (var t in TensorsOfEveryType())
        {
            b.AddInitializer($"w{i++}", t);
        }

        b.AddNode("Relu", ["x"], ["h"])
            .AddNode("Custom", ["h", "", "w0"], ["y", ""], "custom node", "com.example",
                AttributeValue.Of("f", 0.1f),
                AttributeValue.Of("i", -5L),
                AttributeValue.Of("s", "héllo"),
                AttributeValue.Of("t", Tensor.FromArray([1L, 2L], 2)),
                AttributeValue.Of("fs", [1f, float.NegativeInfinity]),
                AttributeValue.Of("is", [1L, long.MaxValue]),
                AttributeValue.Of("ss", ["a", ""]),
                new AttributeValue { Name = "ts", Kind = AttributeKind.Tensors, Tensors = [Tensor.Scalar(1f), Tensor.FromArray([true], 1)] },
                new AttributeValue { Name = "g", Kind = AttributeKind.Graph, Graph = sub },
                new AttributeValue { Name = "gs", Kind = AttributeKind.Graphs, Graphs = [sub, sub] })
            .AddOutput("y", DataType.Float32, -1, 3, 4)
            .AddOutput("untyped");
        var g = b.ToGraph();
        // Subgraphs inherit the model's operator sets on load.
        foreach (var s in new[] { sub })
        {
            foreach (var kv in g.OpsetVersions)
            {
                s.OpsetVersions[kv.Key] = kv.Value;
            }

            s.Metadata.Clear();
        }

        return g;
    }

    [Fact]
    public void BuilderGraphSurvivesWriteAndLoad()
    {
        var g = RichGraph();
        byte[] bytes = OnnxWriter.ToBytes(g);
        var loaded = OnnxModel.Load(bytes, null);
        GraphAssert.Equal(g, loaded);
        Assert.Equal(bytes, OnnxWriter.ToBytes(loaded));
    }

    [Theory]
    [InlineData("models", "squeezenet1.1", "squeezenet1.1.onnx")]
    [InlineData("models", "mnist-cnn-pytorch", "mnist_cnn_ruiyangju.onnx")]
    [InlineData("models", "charrnn-shakespeare-lstm", "charrnn_shakespeare.onnx")]
    [InlineData("onnx-node-tests", "node", "test_if", "model.onnx")]
    [InlineData("onnx-node-tests", "node", "test_loop11", "model.onnx")]
    [InlineData("onnx-node-tests", "node", "test_conv_with_strides_padding", "model.onnx")]
    public void RealModelsSurviveLoadWriteLoad(params string[] parts)
    {
        var first = OnnxModel.Load(TestAssets.Path(parts));
        var second = OnnxModel.Load(OnnxWriter.ToBytes(first), null);
        GraphAssert.Equal(first, second);
    }

    [Fact]
    public void SqueezeNetLoadsWithExpectedStructure()
    {
        var g = OnnxModel.Load(TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx"));
        var input = Assert.Single(g.Inputs);
        Assert.Equal("data", input.Name);
        Assert.Equal(DataType.Float32, input.DataType);
        Assert.Equal([1L, 3, 224, 224], input.Shape!.Select(d => d.Value));
        Assert.Equal("logits", Assert.Single(g.Outputs).Name);
        Assert.Equal(26, g.Nodes.Count(n => n.OpType == "Conv"));
        Assert.Equal(13, g.DefaultOpset());
        Assert.DoesNotContain(g.Inputs, i => g.Initializers.ContainsKey(i.Name));
        Assert.True(g.ParameterCount > 1_000_000, $"{g.ParameterCount} parameters");
    }

    [Fact]
    public void InputsThatHaveAnInitializerAreConstantsNotInputs()
    {
        var proto = OnnxModel.Parse(new OnnxModelBuilder()
            .AddInput("x", DataType.Float32, 2)
            .AddInitializer("w", Tensor.FromArray([1f, 2f], 2))
            .AddNode("Add", ["x", "w"], ["y"]).AddOutput("y").ToBytes(), "test");
        proto.Graph.Input.Add(new ValueInfoProto { Name = "w" });
        var g = OnnxModel.FromProto(proto, null);
        Assert.Equal(["x"], g.Inputs.Select(i => i.Name));
        Assert.True(g.Initializers.ContainsKey("w"));
    }

    [Theory]
    [MemberData(nameof(EveryTensor))]
    public void TensorsSurviveProtoAndFile(int index)
    {
        var t = TensorsOfEveryType().ElementAt(index);
        GraphAssert.Tensor(t, OnnxTensor.FromProto(OnnxTensor.ToProto(t, "t")), "proto");
        string path = Path.Combine(Path.GetTempPath(), $"nativecnn-tensor-{Environment.ProcessId}-{index}.pb");
        try
        {
            OnnxTensor.Write(path, "named", t.View);
            var (name, back) = OnnxTensor.Read(path);
            Assert.Equal("named", name);
            GraphAssert.Tensor(t, back, "file");
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static IEnumerable<object[]> EveryTensor() => TensorsOfEveryType().Select((_, i) => new object[] { i });

    [Fact]
    public void StridedViewIsWrittenDense()
    {
        var t = Tensor.FromArray([0f, 1, 2, 3, 4, 5], 2, 3);
        var column = t.View.Slice(1, 1, 1); // [[1],[4]]
        var back = OnnxTensor.FromProto(OnnxTensor.ToProto(column, "c"));
        Assert.Equal([1.0, 4.0], back.ToDoubleArray());
        Assert.Equal([2, 1], back.Shape);
    }

    [Fact]
    public void TypedFieldsAreRead()
    {
        var f = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, Dims = { 2 }, FloatData = { 1.5f, -2f } };
        Assert.Equal([1.5, -2.0], OnnxTensor.FromProto(f).ToDoubleArray());

        var h = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float16, Dims = { 2 }, Int32Data = { BitConverter.HalfToUInt16Bits((Half)2.5), BitConverter.HalfToUInt16Bits((Half)(-1)) } };
        Assert.Equal([2.5, -1.0], OnnxTensor.FromProto(h).ToDoubleArray());

        var bf = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bfloat16, Dims = { 1 }, Int32Data = { 0x4040 } };
        Assert.Equal([3.0], OnnxTensor.FromProto(bf).ToDoubleArray());

        var b = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, Dims = { 3 }, Int32Data = { 1, 0, 1 } };
        Assert.Equal([1.0, 0, 1], OnnxTensor.FromProto(b).ToDoubleArray());

        var i8 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int8, Dims = { 2 }, Int32Data = { -7, 100 } };
        Assert.Equal([-7L, 100], OnnxTensor.FromProto(i8).ToInt64Array());

        var u16 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint16, Dims = { 1 }, Int32Data = { 65535 } };
        Assert.Equal([65535L], OnnxTensor.FromProto(u16).ToInt64Array());

        var i64 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1, 2 }, Int64Data = { long.MinValue, 5 } };
        Assert.Equal([long.MinValue, 5], OnnxTensor.FromProto(i64).ToInt64Array());

        var d = new TensorProto { DataType = (int)TensorProto.Types.DataType.Double, Dims = { 1 }, DoubleData = { Math.PI } };
        Assert.Equal([Math.PI], OnnxTensor.FromProto(d).ToDoubleArray());

        var u32 = new TensorProto { DataType = (int)TensorProto.Types.DataType.Uint32, Dims = { 1 }, Uint64Data = { uint.MaxValue } };
        Assert.Equal([(double)uint.MaxValue], OnnxTensor.FromProto(u32).ToDoubleArray());

        var rawBool = new TensorProto { DataType = (int)TensorProto.Types.DataType.Bool, Dims = { 2 }, RawData = Google.Protobuf.ByteString.CopyFrom(0, 7) };
        Assert.Equal([0.0, 1.0], OnnxTensor.FromProto(rawBool).ToDoubleArray());
    }

    [Fact]
    public void ConformanceTensorFileIsRead()
    {
        var (name, t) = OnnxTensor.Read(TestAssets.Path("onnx-node-tests", "node", "test_relu", "test_data_set_0", "input_0.pb"));
        Assert.Equal("x", name);
        Assert.Equal(DataType.Float32, t.DataType);
        Assert.Equal([3, 4, 5], t.Shape);
    }

    [Fact]
    public void MetadataAndProducerFieldsAreMapped()
    {
        var m = OnnxModel.Parse(new OnnxModelBuilder().AddInput("x", DataType.Float32, 1).AddNode("Relu", ["x"], ["y"]).AddOutput("y").ToBytes(), "t");
        m.ProducerName = "pytorch";
        m.ProducerVersion = "2.1";
        m.Domain = "org.example";
        m.ModelVersion = 3;
        m.DocString = "doc";
        m.MetadataProps.Add(new StringStringEntryProto { Key = "license", Value = "MIT" });
        var g = OnnxModel.FromProto(m, null);
        Assert.Equal("pytorch", g.Metadata["producer_name"]);
        Assert.Equal("2.1", g.Metadata["producer_version"]);
        Assert.Equal("org.example", g.Metadata["domain"]);
        Assert.Equal("3", g.Metadata["model_version"]);
        Assert.Equal("MIT", g.Metadata["license"]);
        Assert.Equal("doc", g.DocString);
    }
}
