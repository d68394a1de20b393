namespace NativeCnn.Imaging.Drawing;

/// <summary>An RGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb Black => new(0, 0, 0);
    public static Rgb White => new(255, 255, 255);
    public static Rgb Red => new(255, 0, 0);
    public static Rgb Green => new(0, 255, 0);
    public static Rgb Blue => new(0, 0, 255);
    public static Rgb Yellow => new(255, 255, 0);
}

/// <summary>
/// A 256-entry colour map, generated at start-up from its definition:
/// viridis by linear interpolation between nine control points sampled from matplotlib's viridis at
/// t = 0, 1/8, …, 1; turbo from Google's published degree-5 polynomial approximation; jet from its piecewise-linear
/// definition (each channel 1.5 − |4t − k|, k = 3, 2, 1 for R, G, B, clamped to [0, 1]).
/// </summary>
public sealed class ColorMap
{
    /// <summary>[256][3] RGB.</summary>
    public byte[] Table { get; }

    public string Name { get; }

    private ColorMap(string name, Func<double, (double R, double G, double B)> f)
    {
        Name = name;
        Table = new byte[256 * 3];
        for (int i = 0; i < 256; i++)
        {
            (double r, double g, double b) = f(i / 255.0);
            Table[3 * i] = ToByte(r);
            Table[3 * i + 1] = ToByte(g);
            Table[3 * i + 2] = ToByte(b);
        }
    }

    private static byte ToByte(double v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);

    /// <summary>The colour of v in [0, 1] (clamped; NaN → 0).</summary>
    public Rgb Map(float v)
    {
        int i = float.IsNaN(v) ? 0 : (int)MathF.Round(Math.Clamp(v, 0f, 1f) * 255f);
        return new Rgb(Table[3 * i], Table[3 * i + 1], Table[3 * i + 2]);
    }

    private static readonly (double R, double G, double B)[] ViridisPoints =
    [
        (0x44, 0x01, 0x54), (0x47, 0x2d, 0x7b), (0x3b, 0x52, 0x8b), (0x2c, 0x72, 0x8e), (0x21, 0x91, 0x8c),
        (0x28, 0xae, 0x80), (0x5e, 0xc9, 0x62), (0xad, 0xdc, 0x30), (0xfd, 0xe7, 0x25),
    ];

    public static ColorMap Viridis { get; } = new("viridis", t =>
    {
        double p = t * (ViridisPoints.Length - 1);
        int i = Math.Min((int)p, ViridisPoints.Length - 2);
        double f = p - i;
        (double r0, double g0, double b0) = ViridisPoints[i];
        (double r1, double g1, double b1) = ViridisPoints[i + 1];
        return ((r0 + (r1 - r0) * f) / 255, (g0 + (g1 - g0) * f) / 255, (b0 + (b1 - b0) * f) / 255);
    });

    public static ColorMap Turbo { get; } = new("turbo", x => (
        0.13572138 + x * (4.61539260 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943)))),
        0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604)))),
        0.10667330 + x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))))));

    public static ColorMap Jet { get; } = new("jet", t => (1.5 - Math.Abs(4 * t - 3), 1.5 - Math.Abs(4 * t - 2), 1.5 - Math.Abs(4 * t - 1)));

    public static IReadOnlyList<string> Names { get; } = ["viridis", "turbo", "jet"];

    public static ColorMap Get(string name) => name.ToLowerInvariant() switch
    {
        "viridis" => Viridis,
        "turbo" => Turbo,
        "jet" => Jet,
        _ => throw new ArgumentException($"unknown colour map '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };
}
