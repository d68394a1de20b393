using System.Globalization;
using System.Text;
using Google.Protobuf;
using Microsoft.Win32.SafeHandles;
using NativeCnn.Onnx.Protobuf;

namespace NativeCnn.Onnx;

/// <summary>
/// Parses a ModelProto without ever holding its tensor payloads twice. A wire-format pre-pass walks the
/// messages that can hold tensors (ModelProto.graph = 7; GraphProto.initializer = 5 and node = 1;
/// NodeProto.attribute = 5; AttributeProto.t = 5, g = 6, tensors = 10, graphs = 11) and copies everything
/// except each TensorProto's <c>raw_data</c> (field 9) into a small message, rewriting the enclosing length
/// prefixes; in place of the payload it appends an <c>external_data</c> entry whose key is a per-load nonce and
/// whose value indexes the recorded (offset, length). Google.Protobuf parses the small message; then
/// <see cref="OnnxTensor"/> reads each payload straight from the source into the tensor's own memory.
/// <para>
/// Protobuf merge rules are kept: every raw_data field is cut, so when a field occurs twice (or a tensor
/// message is merged from two occurrences) the last marker stands for the last raw_data, as the last
/// raw_data would win in a full parse. Fields the loader does not convert (training_info, functions, sparse
/// initializers) are copied as they are.
/// </para>
/// </summary>
internal static class LeanModelReader
{
    private const int MaxDepth = 100;  // Google.Protobuf's default recursion limit

    private enum Kind { None, Model, Graph, Node, Attribute, Tensor }

    /// <summary>
    /// Tensor data in the typed fields (float_data, int32_data, …) is copied into the small message; past this many bytes
    /// the pre-pass gives up and Google.Protobuf parses the source directly, so a model with typed-field weights is held
    /// no more often than before (parsed fields + tensors).
    /// </summary>
    internal const long MaxTypedFieldBytes = 4 << 20;

    /// <summary>Parses the model; <c>Payloads</c> is null when the model keeps large tensors in typed fields (parsed whole).</summary>
    public static (ModelProto Model, RawDataPayloads? Payloads) Parse(ModelSource source, string sourceName)
    {
        var payloads = new RawDataPayloads(source, sourceName);
        var pass = new PrePass(source, sourceName, payloads);
        var output = new MemoryStream();
        ModelProto model;
        try
        {
            pass.Message(Kind.Model, source.Length, output, 0);
        }
        catch (TypedFieldsTooLargeException)
        {
            output = null;
            try
            {
                model = source.ParseWhole();
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model (protobuf parse failed: {e.Message})", e);
            }

            return model.Graph is null ? throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model: it has no graph") : (model, null);
        }

        try
        {
            model = ModelProto.Parser.ParseFrom(output.GetBuffer(), 0, (int)output.Length);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model (protobuf parse failed: {e.Message})", e);
        }

        if (model.Graph is null)
        {
            throw new OnnxFormatException($"'{sourceName}' is not a valid ONNX model: it has no graph");
        }

        return (model, payloads);
    }

    /// <summary>Google.Protobuf's own verdict on a length-delimited field that runs past the end (its exceptions have no public constructor).</summary>
    private static InvalidProtocolBufferException Truncated()
    {
        try
        {
            TensorProto.Parser.ParseFrom([0x4A, 0x01]);  // raw_data, length 1, no byte
        }
        catch (InvalidProtocolBufferException e)
        {
            return e;
        }

        throw new InvalidOperationException("a truncated field parsed");
    }

    private sealed class TypedFieldsTooLargeException : Exception
    {
    }

    private sealed class PrePass(ModelSource source, string sourceName, RawDataPayloads payloads)
    {
        private long _typedBytes;

        private readonly byte[] _buffer = new byte[1 << 16];
        private long _bufferStart;
        private int _bufferLength;
        private long _pos;

        private OnnxFormatException Malformed(string detail) =>
            new($"'{sourceName}' is not a valid ONNX model (protobuf parse failed: {detail} at byte {_pos:N0})", Truncated());

        /// <summary>float_data 4, int32_data 5, int64_data 7, double_data 10, uint64_data 11.</summary>
        private static bool IsTypedData(int field) => field is 4 or 5 or 7 or 10 or 11;

        private static Kind Child(Kind parent, int field) => (parent, field) switch
        {
            (Kind.Model, 7) => Kind.Graph,
            (Kind.Graph, 1) => Kind.Node,
            (Kind.Graph, 5) => Kind.Tensor,
            (Kind.Node, 5) => Kind.Attribute,
            (Kind.Attribute, 5) or (Kind.Attribute, 10) => Kind.Tensor,
            (Kind.Attribute, 6) or (Kind.Attribute, 11) => Kind.Graph,
            _ => Kind.None,
        };

        public void Message(Kind kind, long end, MemoryStream output, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Malformed($"messages nested more than {MaxDepth} deep");
            }

            string? tensorName = null;
            int lastPayload = -1;
            while (_pos < end)
            {
                ulong tag = ReadVarint(end);
                int field = (int)(tag >> 3);
                int wireType = (int)(tag & 7);
                if (field == 0 || tag > uint.MaxValue)
                {
                    throw Malformed($"invalid tag {tag}");
                }

                long fieldStart = _pos;
                switch (wireType)
                {
                    case 0:
                        WriteVarint(output, tag);
                        WriteVarint(output, ReadVarint(end));
                        break;
                    case 1:
                        WriteVarint(output, tag);
                        Copy(output, 8, end);
                        break;
                    case 5:
                        WriteVarint(output, tag);
                        Copy(output, 4, end);
                        break;
                    case 3:
                        WriteVarint(output, tag);
                        CopyGroup(output, field, end, depth + 1);
                        break;
                    case 2:
                    {
                        ulong declared = ReadVarint(end);
                        long available = end - _pos;
                        if (declared > int.MaxValue)
                        {
                            throw Malformed($"field {field} declares a negative or oversized length {declared}");
                        }

                        long length = (long)declared;
                        if (kind == Kind.Tensor && IsTypedData(field) && _typedBytes + length > MaxTypedFieldBytes)
                        {
                            throw new TypedFieldsTooLargeException();   // before copying a packed array into the small message
                        }

                        if (kind == Kind.Tensor && field == 9)
                        {
                            if (length > available)
                            {
                                string who = tensorName is null ? "a tensor (its name follows its data)" : $"tensor '{tensorName}'";
                                throw new OnnxFormatException(
                                    $"'{sourceName}' is truncated: {who} declares {length:N0} bytes of raw_data at byte {_pos:N0}, but only {available:N0} follow",
                                    Truncated());
                            }

                            lastPayload = payloads.Add(_pos, length);
                            _pos += length;
                            break;
                        }

                        var child = Child(kind, field);
                        if (child != Kind.None)
                        {
                            var sub = new MemoryStream();
                            Message(child, _pos + Math.Min(length, available), sub, depth + 1);
                            if (length > available)
                            {
                                throw Malformed($"field {field} declares {length:N0} bytes but only {available:N0} follow");
                            }

                            WriteVarint(output, tag);
                            WriteVarint(output, (ulong)sub.Length);
                            sub.Position = 0;
                            sub.CopyTo(output);
                            break;
                        }

                        if (length > available)
                        {
                            throw Malformed($"field {field} declares {length:N0} bytes but only {available:N0} follow");
                        }

                        WriteVarint(output, tag);
                        WriteVarint(output, declared);
                        long at = output.Position;
                        Copy(output, length, end);
                        if (kind == Kind.Tensor && field == 8)
                        {
                            tensorName = Encoding.UTF8.GetString(output.GetBuffer(), (int)at, (int)length);
                        }

                        break;
                    }

                    default:
                        throw Malformed($"invalid wire type {wireType} (field {field})");
                }

                if (kind == Kind.Tensor && IsTypedData(field) && (_typedBytes += _pos - fieldStart) > MaxTypedFieldBytes)
                {
                    throw new TypedFieldsTooLargeException();
                }
            }

            if (lastPayload >= 0)
            {
                // external_data (13) entry { key (1) = nonce, value (2) = payload index }
                var entry = new MemoryStream();
                WriteString(entry, 1, payloads.MarkerKey);
                WriteString(entry, 2, lastPayload.ToString(CultureInfo.InvariantCulture));
                WriteVarint(output, (13 << 3) | 2);
                WriteVarint(output, (ulong)entry.Length);
                entry.Position = 0;
                entry.CopyTo(output);
            }
        }

        /// <summary>Copies a (deprecated) group up to and including its end-group tag.</summary>
        private void CopyGroup(MemoryStream output, int groupField, long end, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Malformed($"groups nested more than {MaxDepth} deep");
            }

            while (true)
            {
                if (_pos >= end)
                {
                    throw Malformed("a group has no end");
                }

                ulong tag = ReadVarint(end);
                int field = (int)(tag >> 3);
                if (field == 0 || tag > uint.MaxValue)
                {
                    throw Malformed($"invalid tag {tag}");
                }

                WriteVarint(output, tag);
                switch ((int)(tag & 7))
                {
                    case 0:
                        WriteVarint(output, ReadVarint(end));
                        break;
                    case 1:
                        Copy(output, 8, end);
                        break;
                    case 5:
                        Copy(output, 4, end);
                        break;
                    case 2:
                    {
                        ulong length = ReadVarint(end);
                        if (length > (ulong)(end - _pos))
                        {
                            throw Malformed($"field {field} declares {length:N0} bytes but only {end - _pos:N0} follow");
                        }

                        WriteVarint(output, length);
                        Copy(output, (long)length, end);
                        break;
                    }

                    case 3:
                        CopyGroup(output, field, end, depth + 1);
                        break;
                    case 4:
                        if (field != groupField)
                        {
                            throw Malformed($"end of group {field} inside group {groupField}");
                        }

                        return;
                    default:
                        throw Malformed($"invalid wire type {tag & 7} (field {field})");
                }
            }
        }

        private byte ReadByte(long end)
        {
            if (_pos >= end)
            {
                throw Malformed("the data ends inside a field");
            }

            if (_pos < _bufferStart || _pos >= _bufferStart + _bufferLength)
            {
                Fill();
            }

            return _buffer[_pos++ - _bufferStart];
        }

        private void Fill()
        {
            _bufferStart = _pos;
            _bufferLength = source.ReadAt(_pos, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, source.Length - _pos)));
            if (_bufferLength <= 0)
            {
                throw Malformed("the data ends inside a field");
            }
        }

        private ulong ReadVarint(long end)
        {
            ulong v = 0;
            for (int shift = 0; shift < 70; shift += 7)
            {
                byte b = ReadByte(end);
                v |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return v;
                }
            }

            throw Malformed("a varint is longer than 10 bytes");
        }

        private void Copy(MemoryStream output, long count, long end)
        {
            if (count > end - _pos)
            {
                throw Malformed("the data ends inside a field");
            }

            while (count > 0)
            {
                if (_pos < _bufferStart || _pos >= _bufferStart + _bufferLength)
                {
                    Fill();
                }

                int offset = (int)(_pos - _bufferStart);
                int n = (int)Math.Min(count, _bufferLength - offset);
                output.Write(_buffer, offset, n);
                _pos += n;
                count -= n;
            }
        }

        private static void WriteVarint(MemoryStream output, ulong v)
        {
            while (v >= 0x80)
            {
                output.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }

            output.WriteByte((byte)v);
        }

        private static void WriteString(MemoryStream output, int field, string s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            WriteVarint(output, (ulong)((field << 3) | 2));
            WriteVarint(output, (ulong)bytes.Length);
            output.Write(bytes);
        }
    }
}

/// <summary>The raw_data payloads the pre-pass cut out, by index, and the source to read them from.</summary>
internal sealed class RawDataPayloads(ModelSource source, string sourceName)
{
    private readonly List<(long Offset, long Length)> _payloads = [];

    /// <summary>The external_data key that marks a cut payload; unguessable, so a model cannot forge one.</summary>
    public string MarkerKey { get; } = "nativecnn.raw_data:" + Guid.NewGuid().ToString("N");

    public int Add(long offset, long length)
    {
        _payloads.Add((offset, length));
        return _payloads.Count - 1;
    }

    /// <summary>The payload that stands for <paramref name="p"/>'s raw_data (the last marker wins, as the last raw_data would).</summary>
    public bool TryFind(TensorProto p, out long offset, out long length)
    {
        for (int i = p.ExternalData.Count - 1; i >= 0; i--)
        {
            var kv = p.ExternalData[i];
            if (kv.Key == MarkerKey && int.TryParse(kv.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index) &&
                index >= 0 && index < _payloads.Count)
            {
                (offset, length) = _payloads[index];
                return true;
            }
        }

        offset = length = 0;
        return false;
    }

    public void Read(long offset, Span<byte> destination, string what)
    {
        while (destination.Length > 0)
        {
            int n = source.ReadAt(offset, destination);
            if (n <= 0)
            {
                throw new OnnxFormatException($"{what}: '{sourceName}' ended while its raw_data was read (was the file changed while loading?)");
            }

            offset += n;
            destination = destination[n..];
        }
    }
}

/// <summary>Random-access bytes of a serialized model: a file (read through the OS, never mapped) or memory.</summary>
internal abstract class ModelSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Reads up to <paramref name="destination"/>.Length bytes at <paramref name="offset"/>; 0 at the end.</summary>
    public abstract int ReadAt(long offset, Span<byte> destination);

    public virtual void Dispose()
    {
    }

    /// <summary>Google.Protobuf's parse of the whole source (raw_data included).</summary>
    public abstract ModelProto ParseWhole();

    public static ModelSource OpenFile(string path) => new FileSource(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess));

    public static ModelSource FromMemory(ReadOnlyMemory<byte> bytes) => new MemorySource(bytes);

    public static ModelSource FromSeekableStream(Stream stream) => new StreamSource(stream);

    private sealed class FileSource(SafeFileHandle handle) : ModelSource
    {
        public override long Length { get; } = RandomAccess.GetLength(handle);

        public override int ReadAt(long offset, Span<byte> destination) => RandomAccess.Read(handle, destination, offset);

        public override ModelProto ParseWhole()
        {
            using var stream = new FileStream(handle, FileAccess.Read, 1 << 16);
            stream.Position = 0;
            return ModelProto.Parser.ParseFrom(stream);
        }

        public override void Dispose() => handle.Dispose();
    }

    private sealed class MemorySource(ReadOnlyMemory<byte> bytes) : ModelSource
    {
        public override long Length => bytes.Length;

        public override int ReadAt(long offset, Span<byte> destination)
        {
            if (offset >= bytes.Length)
            {
                return 0;
            }

            var s = bytes.Span[(int)offset..];
            int n = Math.Min(s.Length, destination.Length);
            s[..n].CopyTo(destination);
            return n;
        }

        public override ModelProto ParseWhole() => ModelProto.Parser.ParseFrom(bytes.Span);
    }

    private sealed class StreamSource(Stream stream) : ModelSource
    {
        private readonly long _start = stream.Position;

        public override long Length { get; } = stream.Length - stream.Position;

        public override int ReadAt(long offset, Span<byte> destination)
        {
            stream.Position = _start + offset;
            return stream.Read(destination);
        }

        public override ModelProto ParseWhole()
        {
            stream.Position = _start;
            return ModelProto.Parser.ParseFrom(stream);
        }
    }
}
