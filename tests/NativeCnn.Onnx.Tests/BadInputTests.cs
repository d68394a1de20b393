using Google.Protobuf;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Execution;
using NativeCnn.Runtime.Planning;
using NativeCnn.Tests;

namespace NativeCnn.Onnx.Tests;

/// <summary>Malformed models, files and inputs end in typed exceptions, never a crash or a hang.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("nativecnn-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static OnnxModelBuilder ReluModel(params long[] outputDims) =>
        new OnnxModelBuilder("relu").Opset(13)
            .AddInput("x", DataType.Float32, 1, 4)
            .AddNode("Relu", ["x"], ["y"])
            .AddOutput("y", DataType.Float32, outputDims.Length == 0 ? [1, 4] : outputDims);

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.01)]
    public void TruncatedModelFileIsAFormatErrorNamingTheFile(double fraction)
    {
        byte[] full = File.ReadAllBytes(TestAssets.Path("models", "squeezenet1.1", "squeezenet1.1.onnx"));
        string path = Path.Combine(_dir, "truncated.onnx");
        File.WriteAllBytes(path, full[..(int)(full.Length * fraction)]);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(path));
        Assert.Contains(path, e.Message);
        Assert.IsType<InvalidProtocolBufferException>(e.InnerException);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 1000)]
    [InlineData(3, 100_000)]
    [InlineData(4, 1)]
    public void RandomBytesAreAFormatError(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(bytes, null, "random"));
    }

    [Fact]
    public void EmptyFileHasNoGraph()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load([], null, "empty"));
        Assert.Contains("no graph", e.Message);
    }

    [Fact]
    public void UnknownOperatorLoadsButPlanningNamesOpNodeAndOpset()
    {
        var bytes = new OnnxModelBuilder().Opset(17)
            .AddInput("x", DataType.Float32, 1, 4)
            .AddNode("FrobnicateXYZ", ["x"], ["h"], "the_odd_node", "")
            .AddNode("Relu", ["h"], ["y"])
            .AddOutput("y").ToBytes();
        var g = OnnxModel.Load(bytes, null);
        using var session = new InferenceSession(g, new PlanOptions { Fusion = false });
        var e = Assert.Throws<UnsupportedOperatorException>(() => session.Run(Tensor.Create(DataType.Float32, [1, 4])));
        Assert.Contains("FrobnicateXYZ", e.Message);
        Assert.Contains("the_odd_node", e.Message);
        Assert.Contains("17", e.Message);
    }

    [Fact]
    public void OperatorOfAnotherDomainIsUnsupported()
    {
        var g = new OnnxModelBuilder().Opset(1, "com.microsoft")
            .AddInput("x", DataType.Float32, 1, 4)
            .AddNode("Relu", ["x"], ["y"], "ms_relu", "com.microsoft")
            .AddOutput("y").ToGraph();
        using var session = new InferenceSession(OnnxModel.Load(OnnxWriter.ToBytes(g), null));
        var e = Assert.Throws<UnsupportedOperatorException>(() => session.Run(Tensor.Create(DataType.Float32, [1, 4])));
        Assert.Contains("com.microsoft", e.Message);
    }

    private string WriteModelWithExternal(string location, long offset = -1, long length = -1)
    {
        var proto = OnnxModel.Parse(new OnnxModelBuilder()
            .AddInput("x", DataType.Float32, 4)
            .AddInitializer("w", Tensor.FromArray([0f, 0, 0, 0], 4))
            .AddNode("Add", ["x", "w"], ["y"]).AddOutput("y").ToBytes(), "t");
        var w = proto.Graph.Initializer[0];
        w.ClearRawData();
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset >= 0)
        {
            w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        }

        if (length >= 0)
        {
            w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
        }

        string path = Path.Combine(_dir, "model", "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void ExternalDataInsideTheFolderIsReadWithOffsetAndLength()
    {
        string model = WriteModelWithExternal("weights/w.bin", offset: 8, length: 16);
        Directory.CreateDirectory(Path.Combine(_dir, "model", "weights"));
        File.WriteAllBytes(Path.Combine(_dir, "model", "weights", "w.bin"), Floats(9, 9, 1, 2, 3, 4, 9));
        var g = OnnxModel.Load(model);
        Assert.Equal([1.0, 2, 3, 4], g.Initializers["w"].ToDoubleArray());
    }

    [Fact]
    public void ExternalDataWholeFileWithoutLength()
    {
        string model = WriteModelWithExternal("w.bin");
        File.WriteAllBytes(Path.Combine(_dir, "model", "w.bin"), Floats(5, 6, 7, 8));
        Assert.Equal([5.0, 6, 7, 8], OnnxModel.Load(model).Initializers["w"].ToDoubleArray());
    }

    [Theory]
    [InlineData("../secret.bin")]
    [InlineData("weights/../../secret.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\secret.bin")]
    public void ExternalDataOutsideTheFolderIsRejected(string location)
    {
        File.WriteAllBytes(Path.Combine(_dir, "secret.bin"), Floats(1, 2, 3, 4));
        string model = WriteModelWithExternal(location);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(model));
        Assert.Contains(location, e.Message);
    }

    [Fact]
    public void ExternalDataThroughASymlinkThatEscapesIsRejected()
    {
        File.WriteAllBytes(Path.Combine(_dir, "secret.bin"), Floats(1, 2, 3, 4));
        string model = WriteModelWithExternal("linked/secret.bin");
        Directory.CreateSymbolicLink(Path.Combine(_dir, "model", "linked"), _dir);
        var e = Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(model));
        Assert.Contains("outside", e.Message);

        string model2 = WriteModelWithExternal("file_link.bin");
        File.CreateSymbolicLink(Path.Combine(_dir, "model", "file_link.bin"), Path.Combine(_dir, "secret.bin"));
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(model2));
    }

    [Fact]
    public void ExternalDataSymlinkInsideTheFolderIsAllowed()
    {
        string model = WriteModelWithExternal("alias.bin");
        File.WriteAllBytes(Path.Combine(_dir, "model", "real.bin"), Floats(1, 2, 3, 4));
        File.CreateSymbolicLink(Path.Combine(_dir, "model", "alias.bin"), "real.bin");
        Assert.Equal([1.0, 2, 3, 4], OnnxModel.Load(model).Initializers["w"].ToDoubleArray());
    }

    [Fact]
    public void ExternalDataErrorsAreTyped()
    {
        string missing = WriteModelWithExternal("nope.bin");
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(missing));

        string shortFile = WriteModelWithExternal("short.bin", offset: 0, length: 16);
        File.WriteAllBytes(Path.Combine(_dir, "model", "short.bin"), Floats(1, 2));
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(shortFile));

        string wrongLength = WriteModelWithExternal("w.bin", offset: 0, length: 12);
        File.WriteAllBytes(Path.Combine(_dir, "model", "w.bin"), Floats(1, 2, 3, 4));
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(wrongLength));

        // From bytes, with no folder to resolve against.
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(File.ReadAllBytes(wrongLength), null));
    }

    private static TensorProto FloatTensor(int[] dims, int bytes) => new()
    {
        Name = "t", DataType = (int)TensorProto.Types.DataType.Float, Dims = { dims.Select(d => (long)d) }, RawData = ByteString.CopyFrom(new byte[bytes]),
    };

    [Fact]
    public void RawDataSizeMismatchIsAFormatError()
    {
        var e = Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(FloatTensor([2, 3], 20)));
        Assert.Contains("raw_data has 20 bytes", e.Message);

        var proto = OnnxModel.Parse(new OnnxModelBuilder().AddInput("x", DataType.Float32, 6)
            .AddInitializer("w", Tensor.Create(DataType.Float32, [2, 3])).AddNode("Add", ["x", "w"], ["y"]).AddOutput("y").ToBytes(), "t");
        proto.Graph.Initializer[0].RawData = ByteString.CopyFrom(new byte[23]);
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(proto.ToByteArray(), null));
    }

    [Fact]
    public void TypedFieldCountMismatchIsAFormatError()
    {
        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, Dims = { 3 }, FloatData = { 1f, 2f } };
        Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(t));
        var noData = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 } };
        Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(noData));
    }

    [Fact]
    public void BadElementTypesAndDimsAreTyped()
    {
        var s = new TensorProto { Name = "names", DataType = (int)TensorProto.Types.DataType.String, Dims = { 1 }, StringData = { ByteString.CopyFromUtf8("a") } };
        Assert.Contains("names", Assert.Throws<UnsupportedDataTypeException>(() => OnnxTensor.FromProto(s)).Message);
        Assert.Throws<UnsupportedDataTypeException>(() => OnnxTensor.FromProto(new TensorProto { DataType = 14, Dims = { 0 } }));
        Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(new TensorProto { DataType = 0 }));
        Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(new TensorProto { DataType = 99 }));
        Assert.Throws<OnnxFormatException>(() => OnnxTensor.FromProto(FloatTensor([-1], 0)));
        Assert.Throws<ResourceLimitException>(() => OnnxTensor.FromProto(new TensorProto { DataType = 1, Dims = { 3_000_000_000L } }));
        // Each dim fits an int but the element count does not fit one array.
        Assert.Throws<ResourceLimitException>(() => OnnxTensor.FromProto(new TensorProto { DataType = 1, Dims = { 100_000, 100_000 } }));
    }

    [Fact]
    public void DeclaredDimensionBeyondIntIsAResourceLimit()
    {
        var proto = OnnxModel.Parse(ReluModel().ToBytes(), "t");
        proto.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue = 5_000_000_000L;
        Assert.Throws<ResourceLimitException>(() => OnnxModel.Load(proto.ToByteArray(), null));
    }

    [Fact]
    public void NodeWithoutOpTypeIsAFormatError()
    {
        var proto = OnnxModel.Parse(ReluModel().ToBytes(), "t");
        proto.Graph.Node[0].ClearOpType();
        Assert.Throws<OnnxFormatException>(() => OnnxModel.Load(proto.ToByteArray(), null));
    }

    [Fact]
    public void DeclaredOutputShapeThatContradictsTheGraphIsAnInvalidModel()
    {
        var g = OnnxModel.Load(ReluModel(1, 5).ToBytes(), null);
        using var session = new InferenceSession(g, new PlanOptions { Fusion = false });
        var e = Assert.Throws<InvalidModelException>(() => session.Run(Tensor.Create(DataType.Float32, [1, 4])));
        Assert.Contains("'y'", e.Message);
    }

    [Fact]
    public void WrongInputShapeOrTypeIsAnInputMismatch()
    {
        var g = OnnxModel.Load(ReluModel().ToBytes(), null);
        using var session = new InferenceSession(g);
        Assert.Throws<InputMismatchException>(() => session.Run(Tensor.Create(DataType.Float32, [1, 5])));
        Assert.Throws<InputMismatchException>(() => session.Run(Tensor.Create(DataType.Float32, [4])));
        Assert.Throws<InputMismatchException>(() => session.Run(Tensor.Create(DataType.Float64, [1, 4])));
        Assert.Throws<InputMismatchException>(() => session.Run([new("nope", Tensor.Create(DataType.Float32, [1, 4]))]));
    }

    [Fact]
    public void HugeDimensionExceedsTheArenaAsAResourceLimit()
    {
        var g = new OnnxModelBuilder()
            .AddInput("x", DataType.Float32, -1, -1)
            .AddNode("Relu", ["x"], ["h"])
            .AddNode("Identity", ["h"], ["y"])
            .AddOutput("y").ToGraph();
        using var session = new InferenceSession(OnnxModel.Load(OnnxWriter.ToBytes(g), null), new PlanOptions { Fusion = false });
        Assert.Throws<ResourceLimitException>(() => session.Prepare(new Dictionary<string, int[]> { ["x"] = [1 << 20, 1 << 20] }));
        using var small = new InferenceSession(g, new PlanOptions { Fusion = false, MaxArenaBytes = 1000 });
        Assert.Throws<ResourceLimitException>(() => small.Prepare(new Dictionary<string, int[]> { ["x"] = [100, 100] }));
    }

    /// <summary>
    /// 2³¹·2³¹ float elements fit a long, their byte count does not: the plan must refuse it rather than wrap
    /// around to a tiny arena. (Fails until PlannedValue.ByteSize is checked in the Runtime.)
    /// </summary>
    [Fact]
    public void ByteCountOverflowIsAResourceLimit()
    {
        var g = new OnnxModelBuilder().AddInput("x", DataType.Float32, -1, -1).AddNode("Relu", ["x"], ["y"]).AddOutput("y").ToGraph();
        using var session = new InferenceSession(g, new PlanOptions { Fusion = false });
        Assert.Throws<ResourceLimitException>(() => session.Prepare(new Dictionary<string, int[]> { ["x"] = [int.MaxValue, int.MaxValue] }));
    }
}
