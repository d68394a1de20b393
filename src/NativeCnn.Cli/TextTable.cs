using System.Globalization;

namespace NativeCnn.Cli;

/// <summary>A plain fixed-width table (no terminal-width wrapping, so redirected output stays one row per line); text columns left, numbers right.</summary>
public sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void AddRow(params string[] cells) => _rows.Add(cells);

    public void Print()
    {
        var widths = headers.Select((h, c) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length))).ToArray();
        bool[] numeric = headers.Select((_, c) => _rows.All(r => r[c].Length == 0 || double.TryParse(r[c], NumberStyles.Any, CultureInfo.InvariantCulture, out double _))).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((x, c) => numeric[c] ? x.PadLeft(widths[c]) : x.PadRight(widths[c]))).TrimEnd();
        Console.WriteLine(Line(headers));
        Console.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in _rows)
        {
            Console.WriteLine(Line(r));
        }
    }
}
