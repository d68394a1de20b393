namespace NativeCnn.Imaging.Png;

public static class PngEncoder
{
    public static byte[] Encode(Image image) => throw new NotImplementedException();
}
