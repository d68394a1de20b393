namespace NativeCnn.Imaging.Png;

public static class PngDecoder
{
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static Image Decode(byte[] data, DecodeLimits limits) => throw new ImageDecodeException("PNG: not implemented yet");
}
