using Google.Protobuf;
using NativeCnn.Onnx;
using NativeCnn.Onnx.Protobuf;
using NativeCnn.Runtime;

namespace NativeCnn.ConvertWeights;

/// <summary>
/// Converts where an ONNX model keeps its weights: all inside the model file (raw_data), or large initializers in
/// one external data file beside it (ONNX external data: location, offset, length). Reading resolves and checks the
/// source's external data (confined to the model's folder); writing goes through temporary files and a rename, and
/// never replaces the source model or its data.
/// </summary>
public static class WeightConverter
{
    /// <summary>Offsets in the data file are multiples of this, so that a reader may map tensors aligned.</summary>
    public const int Alignment = 64;

    /// <param name="source">the model to read</param>
    /// <param name="destination">the model to write</param>
    /// <param name="external">write initializers of at least <paramref name="threshold"/> bytes to <c>destination.data</c></param>
    /// <param name="threshold">smallest initializer (bytes) kept outside the model when <paramref name="external"/></param>
    /// <returns>number of initializers written externally</returns>
    public static int Convert(string source, string destination, bool external, long threshold = 1024)
    {
        string src = Path.GetFullPath(source), dst = Path.GetFullPath(destination);
        string dataName = Path.GetFileName(dst) + ".data";
        string dataPath = Path.Combine(Path.GetDirectoryName(dst)!, dataName);
        if (string.Equals(src, dst, StringComparison.Ordinal))
        {
            throw new IOException($"refusing to overwrite the source model '{source}'; write to another file");
        }

        var sourceFiles = SourceDataFiles(src);
        if (sourceFiles.Contains(dataPath) || string.Equals(dataPath, src, StringComparison.Ordinal))
        {
            throw new IOException($"refusing to overwrite '{dataPath}', which the source model reads");
        }

        var graph = OnnxModel.Load(src);
        var proto = OnnxWriter.ToProto(graph);
        int moved = 0;
        string tmpModel = dst + ".tmp", tmpData = dataPath + ".tmp";
        try
        {
            if (external)
            {
                using var data = File.Create(tmpData);
                foreach (var t in proto.Graph.Initializer)
                {
                    if (t.RawData.Length < threshold)
                    {
                        continue;
                    }

                    long pad = (Alignment - (data.Position % Alignment)) % Alignment;
                    data.Write(new byte[pad]);
                    long offset = data.Position;
                    t.RawData.WriteTo(data);
                    t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = dataName });
                    t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = t.RawData.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
                    t.DataLocation = TensorProto.Types.DataLocation.External;
                    t.ClearRawData();
                    moved++;
                }
            }

            File.WriteAllBytes(tmpModel, proto.ToByteArray());
            if (moved > 0)
            {
                File.Move(tmpData, dataPath, overwrite: true);
            }

            File.Move(tmpModel, dst, overwrite: true);
            return moved;
        }
        finally
        {
            File.Delete(tmpModel);
            File.Delete(tmpData);
        }
    }

    /// <summary>The external data files a model reads (full paths).</summary>
    private static HashSet<string> SourceDataFiles(string model)
    {
        var proto = OnnxModel.ParseFile(model);
        string dir = Path.GetDirectoryName(model)!;
        return proto.Graph.Initializer
            .SelectMany(t => t.ExternalData.Where(e => e.Key == "location").Select(e => Path.GetFullPath(Path.Combine(dir, e.Value))))
            .ToHashSet(StringComparer.Ordinal);
    }
}
