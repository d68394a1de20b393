using NativeCnn.Runtime;

namespace NativeCnn.Onnx;

/// <summary>
/// A file that is not a well-formed ONNX model or tensor: not a protobuf of the expected message, missing
/// required parts, tensor data that disagrees with its dims, external data outside the model's folder.
/// </summary>
public sealed class OnnxFormatException : InvalidModelException
{
    public OnnxFormatException(string message) : base(message) { }

    public OnnxFormatException(string message, Exception inner) : base(message, inner) { }
}
