namespace NativeCnn.Imaging.Jpeg;

/// <summary>Reads the Orientation tag (0x0112) of IFD0 from the TIFF structure inside an EXIF APP1 segment.</summary>
internal static class Exif
{
    /// <summary>tiff: the bytes after "Exif\0\0". Returns 1..8, or 0 when absent or unreadable (never throws).</summary>
    public static int ReadOrientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return 0;
        }

        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I')
        {
            little = true;
        }
        else if (tiff[0] == 'M' && tiff[1] == 'M')
        {
            little = false;
        }
        else
        {
            return 0;
        }

        int U16(ReadOnlySpan<byte> b, int o) => little ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
        long U32(ReadOnlySpan<byte> b, int o) => (uint)(little
            ? b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)
            : (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);

        if (U16(tiff, 2) != 42)
        {
            return 0;
        }

        long ifd = U32(tiff, 4);
        if (ifd < 8 || ifd + 2 > tiff.Length)
        {
            return 0;
        }

        int count = U16(tiff, (int)ifd);
        for (int i = 0; i < count; i++)
        {
            long e = ifd + 2 + 12L * i;
            if (e + 12 > tiff.Length)
            {
                return 0;
            }

            if (U16(tiff, (int)e) == 0x0112)
            {
                int type = U16(tiff, (int)e + 2);
                return type == 3 ? U16(tiff, (int)e + 8) : 0; // SHORT, value inline in the first 2 bytes
            }
        }

        return 0;
    }
}
