using System.Globalization;
using System.Text;
using Google.Protobuf;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;
using NativeCnn.Runtime.Graph;

namespace NativeCnn.Onnx;

/// <summary>
/// Reads an ONNX <c>ModelProto</c> into the runtime's <see cref="ModelGraph"/>: nodes and every attribute kind
/// (tensor attributes become tensors, graph attributes nested graphs), initializers (raw, typed or external
/// data), graph inputs (those with an initializer are constants and not listed as inputs), outputs,
/// value_info, opset imports and metadata. Anything malformed is an <see cref="OnnxFormatException"/>;
/// element types the runtime cannot hold an <see cref="UnsupportedDataTypeException"/>; dimensions beyond
/// <see cref="int.MaxValue"/> a <see cref="ResourceLimitException"/>. Whether the operators are supported is
/// decided later, when a plan is built.
/// <para>
/// <see cref="ModelGraph.Metadata"/> holds the model's <c>metadata_props</c> plus the keys
/// <c>producer_name</c>, <c>producer_version</c>, <c>domain</c>, <c>model_version</c> and <c>ir_version</c>
/// (when set); <see cref="ModelGraph.DocString"/> is the model's doc_string (else the graph's).
/// </para>
/// </summary>
public static class OnnxModel
{
    /// <summary>The metadata keys that come from ModelProto fields rather than metadata_props.</summary>
    public static readonly IReadOnlyList<string> FieldMetadataKeys = ["ir_version", "producer_name", "producer_version", "domain", "model_version"];

    /// <summary>
    /// Loads a model file; external data is resolved against the file's folder. Tensor payloads (raw_data) are
    /// read straight from the file into the tensors (see <see cref="LeanModelReader"/>), so the weights are held
    /// once: peak memory while loading is the weights plus the small rest of the model.
    /// </summary>
    public static ModelGraph Load(string path)
    {
        string full = Path.GetFullPath(path);
        using var source = ModelSource.OpenFile(full);
        return LoadLean(source, Path.GetDirectoryName(full), full);
    }

    /// <summary>Loads a model from a stream; <paramref name="baseDirectory"/> resolves external data (null: none allowed).</summary>
    /// <remarks>A seekable stream is read in place (payloads straight into the tensors); any other is buffered first.</remarks>
    public static ModelGraph Load(Stream stream, string? baseDirectory, string sourceName = "(stream)")
    {
        if (stream.CanSeek)
        {
            using var seekable = ModelSource.FromSeekableStream(stream);
            return LoadLean(seekable, baseDirectory, sourceName);
        }

        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        using var source = ModelSource.FromMemory(ms.GetBuffer().AsMemory(0, (int)ms.Length));
        return LoadLean(source, baseDirectory, sourceName);
    }

    /// <summary>Loads a model from serialized bytes; <paramref name="baseDirectory"/> resolves external data (null: none allowed).</summary>
    public static ModelGraph Load(byte[] bytes, string? baseDirectory, string sourceName = "(bytes)")
    {
        using var source = ModelSource.FromMemory(bytes);
        return LoadLean(source, baseDirectory, sourceName);
    }

    private static ModelGraph LoadLean(ModelSource source, string? baseDirectory, string sourceName)
    {
        var (proto, payloads) = LeanModelReader.Parse(source, sourceName);
        return FromProto(proto, baseDirectory, sourceName, payloads);
    }

    /// <summary>Parses a model file into the generated protobuf classes without converting it.</summary>
    /// <remarks>Reads the file as a stream, so the whole file is never held in memory beside the parsed model.</remarks>
    public static ModelProto ParseFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"'{path}' is not a valid ONNX model (protobuf parse failed: {e.Message})", e);
        }

        return model.Graph is null ? throw new OnnxFormatException($"'{path}' is not a valid ONNX model: it has no graph") : model;
    }

    /// <summary>Parses serialized ModelProto bytes; a malformed buffer is an <see cref="OnnxFormatException"/> naming <paramref name="sourceName"/>.</summary>
    public static ModelProto Parse(byte[] bytes, string sourceName)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model (protobuf parse failed: {e.Message})", e);
        }

        if (model.Graph is null)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model: it has no graph");
        }

        return model;
    }

    /// <summary>Every op type used by a model, including those inside subgraphs, as (domain, op type) pairs.</summary>
    public static IReadOnlySet<(string Domain, string OpType)> OpTypes(ModelProto model)
    {
        var set = new HashSet<(string, string)>();
        void Visit(GraphProto g)
        {
            foreach (var n in g.Node)
            {
                set.Add((n.Domain ?? "", n.OpType));
                foreach (var a in n.Attribute)
                {
                    if (a.G is not null)
                    {
                        Visit(a.G);
                    }

                    foreach (var sg in a.Graphs)
                    {
                        Visit(sg);
                    }
                }
            }
        }

        Visit(model.Graph);
        return set;
    }

    /// <summary>Converts a parsed model. <paramref name="sourceName"/> names the model in messages.</summary>
    public static ModelGraph FromProto(ModelProto model, string? baseDirectory, string sourceName = "(model)") =>
        FromProto(model, baseDirectory, sourceName, null);

    private static ModelGraph FromProto(ModelProto model, string? baseDirectory, string sourceName, RawDataPayloads? payloads)
    {
        if (model.Graph is null)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model: it has no graph");
        }

        var opsets = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport)
        {
            string domain = o.Domain ?? "";
            if (!opsets.TryAdd(domain, o.Version))
            {
                throw new OnnxFormatException($"'{sourceName}' imports operator set '{domain}' twice");
            }
        }

        var reader = new Reader(baseDirectory, sourceName, payloads);
        var graph = reader.Graph(model.Graph, opsets);
        if (model.HasIrVersion)
        {
            graph.Metadata["ir_version"] = model.IrVersion.ToString(CultureInfo.InvariantCulture);
        }

        if (model.HasProducerName)
        {
            graph.Metadata["producer_name"] = model.ProducerName;
        }

        if (model.HasProducerVersion)
        {
            graph.Metadata["producer_version"] = model.ProducerVersion;
        }

        if (model.HasDomain)
        {
            graph.Metadata["domain"] = model.Domain;
        }

        if (model.HasModelVersion)
        {
            graph.Metadata["model_version"] = model.ModelVersion.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var kv in model.MetadataProps)
        {
            graph.Metadata[kv.Key] = kv.Value;
        }

        if (model.DocString.Length > 0)
        {
            graph.DocString = model.DocString;
        }

        return graph;
    }

    /// <summary>The declared type of a value: tensor element type and dims; non-tensor types (sequence, map, optional) are Undefined without a shape.</summary>
    public static ValueInfo ToValueInfo(ValueInfoProto v, string sourceName = "(model)")
    {
        if (string.IsNullOrEmpty(v.Name))
        {
            throw new OnnxFormatException($"'{sourceName}' declares a value without a name");
        }

        var dataType = DataType.Undefined;
        Dim[]? shape = null;
        if (v.Type?.TensorType is { } tt)
        {
            dataType = Enum.IsDefined(typeof(DataType), tt.ElemType) ? (DataType)tt.ElemType : DataType.Undefined;
            if (tt.Shape is { } sp)
            {
                shape = new Dim[sp.Dim.Count];
                for (int i = 0; i < shape.Length; i++)
                {
                    var d = sp.Dim[i];
                    if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                    {
                        if (d.DimValue > int.MaxValue)
                        {
                            throw new ResourceLimitException(
                                $"'{sourceName}': value '{v.Name}' declares dimension {d.DimValue:N0} at axis {i}, more than the runtime supports ({int.MaxValue:N0})");
                        }

                        shape[i] = d.DimValue >= 0 ? Dim.Known(d.DimValue) : Dim.Symbolic(null);
                    }
                    else
                    {
                        shape[i] = Dim.Symbolic(d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam ? d.DimParam : null);
                    }
                }
            }
        }

        return new ValueInfo { Name = v.Name, DataType = dataType, Shape = shape, DocString = v.DocString ?? "" };
    }

    private sealed class Reader(string? baseDirectory, string sourceName, RawDataPayloads? payloads)
    {
        public ModelGraph Graph(GraphProto g, Dictionary<string, long> opsets)
        {
            var graph = new ModelGraph { Name = g.Name ?? "", DocString = g.DocString ?? "" };
            foreach (var kv in opsets)
            {
                graph.OpsetVersions[kv.Key] = kv.Value;
            }

            foreach (var init in g.Initializer)
            {
                if (string.IsNullOrEmpty(init.Name))
                {
                    throw new OnnxFormatException($"'{sourceName}': graph '{graph.Name}' has an initializer without a name");
                }

                var t = OnnxTensor.FromProto(init, baseDirectory, sourceName, payloads);
                if (!graph.Initializers.TryAdd(init.Name, t))
                {
                    throw new OnnxFormatException($"'{sourceName}': initializer '{init.Name}' is defined twice");
                }
            }

            if (g.SparseInitializer.Count > 0)
            {
                throw new UnsupportedDataTypeException(
                    $"'{sourceName}': sparse initializers ('{g.SparseInitializer[0].Values?.Name}') are not supported");
            }

            var seenInputs = new HashSet<string>(StringComparer.Ordinal);
            foreach (var i in g.Input)
            {
                var vi = ToValueInfo(i, sourceName);
                if (!seenInputs.Add(vi.Name))
                {
                    throw new OnnxFormatException($"'{sourceName}': graph input '{vi.Name}' is declared twice");
                }

                // Inputs that have an initializer are constants with a declared type (IR < 4 listed every weight).
                if (!graph.Initializers.ContainsKey(vi.Name))
                {
                    graph.Inputs.Add(vi);
                }
            }

            foreach (var o in g.Output)
            {
                graph.Outputs.Add(ToValueInfo(o, sourceName));
            }

            foreach (var v in g.ValueInfo)
            {
                graph.ValueInfos.Add(ToValueInfo(v, sourceName));
            }

            foreach (var n in g.Node)
            {
                graph.Nodes.Add(Node(n, opsets));
            }

            return graph;
        }

        private Node Node(NodeProto n, Dictionary<string, long> opsets)
        {
            if (string.IsNullOrEmpty(n.OpType))
            {
                throw new OnnxFormatException($"'{sourceName}': node '{n.Name}' has no op_type");
            }

            var node = new Node
            {
                Name = n.Name ?? "", OpType = n.OpType, Domain = n.Domain ?? "", DocString = n.DocString ?? "",
                Inputs = [.. n.Input], Outputs = [.. n.Output],
            };
            foreach (var a in n.Attribute)
            {
                var value = Attribute(a, node, opsets);
                if (!node.Attributes.TryAdd(value.Name, value))
                {
                    throw new OnnxFormatException($"'{sourceName}': node {node} has attribute '{value.Name}' twice");
                }
            }

            return node;
        }

        private AttributeValue Attribute(AttributeProto a, Node node, Dictionary<string, long> opsets)
        {
            if (string.IsNullOrEmpty(a.Name))
            {
                throw new OnnxFormatException($"'{sourceName}': node {node} has an attribute without a name");
            }

            string where = $"attribute '{a.Name}' of node {node}";
            var type = a.HasType && a.Type != AttributeProto.Types.AttributeType.Undefined ? a.Type : InferType(a, where);
            return type switch
            {
                AttributeProto.Types.AttributeType.Float => new AttributeValue { Name = a.Name, Kind = AttributeKind.Float, Float = a.F },
                AttributeProto.Types.AttributeType.Int => new AttributeValue { Name = a.Name, Kind = AttributeKind.Int, Int = a.I },
                AttributeProto.Types.AttributeType.String => new AttributeValue { Name = a.Name, Kind = AttributeKind.String, String = Utf8(a.S, where) },
                AttributeProto.Types.AttributeType.Tensor => new AttributeValue
                {
                    Name = a.Name, Kind = AttributeKind.Tensor,
                    Tensor = OnnxTensor.FromProto(a.T ?? throw new OnnxFormatException($"'{sourceName}': {where} is a TENSOR without a tensor"), baseDirectory, sourceName, payloads),
                },
                AttributeProto.Types.AttributeType.Graph => new AttributeValue
                {
                    Name = a.Name, Kind = AttributeKind.Graph,
                    Graph = Graph(a.G ?? throw new OnnxFormatException($"'{sourceName}': {where} is a GRAPH without a graph"), opsets),
                },
                AttributeProto.Types.AttributeType.Floats => new AttributeValue { Name = a.Name, Kind = AttributeKind.Floats, Floats = [.. a.Floats] },
                AttributeProto.Types.AttributeType.Ints => new AttributeValue { Name = a.Name, Kind = AttributeKind.Ints, Ints = [.. a.Ints] },
                AttributeProto.Types.AttributeType.Strings => new AttributeValue
                {
                    Name = a.Name, Kind = AttributeKind.Strings, Strings = a.Strings.Select(s => Utf8(s, where)).ToArray(),
                },
                AttributeProto.Types.AttributeType.Tensors => new AttributeValue
                {
                    Name = a.Name, Kind = AttributeKind.Tensors, Tensors = a.Tensors.Select(t => OnnxTensor.FromProto(t, baseDirectory, sourceName, payloads)).ToArray(),
                },
                AttributeProto.Types.AttributeType.Graphs => new AttributeValue
                {
                    Name = a.Name, Kind = AttributeKind.Graphs, Graphs = a.Graphs.Select(g => Graph(g, opsets)).ToArray(),
                },
                AttributeProto.Types.AttributeType.SparseTensor or AttributeProto.Types.AttributeType.SparseTensors =>
                    throw new UnsupportedDataTypeException($"'{sourceName}': {where} is a sparse tensor, which the runtime does not support"),
                AttributeProto.Types.AttributeType.TypeProto or AttributeProto.Types.AttributeType.TypeProtos =>
                    throw new UnsupportedDataTypeException($"'{sourceName}': {where} is a type, which the runtime does not support"),
                _ => throw new OnnxFormatException($"'{sourceName}': {where} has unknown attribute type {(int)type}"),
            };
        }

        /// <summary>Old models (IR &lt; 2) leave the type out; it follows from the one field that is set.</summary>
        private AttributeProto.Types.AttributeType InferType(AttributeProto a, string where)
        {
            if (a.Floats.Count > 0) return AttributeProto.Types.AttributeType.Floats;
            if (a.Ints.Count > 0) return AttributeProto.Types.AttributeType.Ints;
            if (a.Strings.Count > 0) return AttributeProto.Types.AttributeType.Strings;
            if (a.Tensors.Count > 0) return AttributeProto.Types.AttributeType.Tensors;
            if (a.Graphs.Count > 0) return AttributeProto.Types.AttributeType.Graphs;
            if (a.T is not null) return AttributeProto.Types.AttributeType.Tensor;
            if (a.G is not null) return AttributeProto.Types.AttributeType.Graph;
            if (a.HasS) return AttributeProto.Types.AttributeType.String;
            if (a.HasI) return AttributeProto.Types.AttributeType.Int;
            if (a.HasF) return AttributeProto.Types.AttributeType.Float;
            throw new OnnxFormatException($"'{sourceName}': {where} has no type and no value");
        }

        private string Utf8(ByteString s, string where)
        {
            try
            {
                return new UTF8Encoding(false, true).GetString(s.Span);
            }
            catch (DecoderFallbackException e)
            {
                throw new OnnxFormatException($"'{sourceName}': {where} is not valid UTF-8", e);
            }
        }
    }
}
