using System.Globalization;
using System.Net;
using System.Text;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// An SVG chart: one row per layer with two horizontal bars, forward and backtrack milliseconds, on a log₁₀ axis
/// (backtracking is often orders of magnitude cheaper than the forward pass, so a linear axis would hide it).
/// </summary>
public static class BarChart
{
    public static string ForwardVsBacktrack(string title, IReadOnlyList<string> layers, IReadOnlyList<double> forwardMs, IReadOnlyList<double> backtrackMs)
    {
        const int LabelWidth = 260, PlotWidth = 560, Row = 16, Top = 46, Bottom = 34;
        double max = Math.Max(1e-3, layers.Count == 0 ? 1 : Math.Max(forwardMs.Max(), backtrackMs.Max()));
        double lo = Math.Pow(10, Math.Floor(Math.Log10(Math.Max(1e-4, Math.Min(
            forwardMs.Where(v => v > 0).DefaultIfEmpty(1).Min(), backtrackMs.Where(v => v > 0).DefaultIfEmpty(1).Min())))));
        double hi = Math.Pow(10, Math.Ceiling(Math.Log10(max)));
        if (hi <= lo)
        {
            hi = lo * 10;
        }

        double X(double v) => v <= lo ? 0 : PlotWidth * (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo));
        int height = Top + (layers.Count * Row) + Bottom;
        var sb = new StringBuilder();
        string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        sb.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{LabelWidth + PlotWidth + 20}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"11\">");
        sb.AppendLine($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/><text x=\"4\" y=\"16\" font-size=\"14\">{WebUtility.HtmlEncode(title)}</text>");
        sb.AppendLine($"<rect x=\"{LabelWidth}\" y=\"24\" width=\"10\" height=\"10\" fill=\"#4878d0\"/><text x=\"{LabelWidth + 14}\" y=\"33\">forward ms</text>");
        sb.AppendLine($"<rect x=\"{LabelWidth + 100}\" y=\"24\" width=\"10\" height=\"10\" fill=\"#ee854a\"/><text x=\"{LabelWidth + 114}\" y=\"33\">backtrack ms</text>");
        for (double t = lo; t <= hi * 1.0001; t *= 10)
        {
            double x = LabelWidth + X(t);
            sb.AppendLine($"<line x1=\"{F(x)}\" y1=\"{Top - 4}\" x2=\"{F(x)}\" y2=\"{height - Bottom + 4}\" stroke=\"#ddd\"/>" +
                $"<text x=\"{F(x)}\" y=\"{height - Bottom + 18}\" text-anchor=\"middle\">{t.ToString("G3", CultureInfo.InvariantCulture)}</text>");
        }

        for (int i = 0; i < layers.Count; i++)
        {
            int y = Top + (i * Row);
            sb.AppendLine($"<text x=\"{LabelWidth - 4}\" y=\"{y + 11}\" text-anchor=\"end\">{WebUtility.HtmlEncode(layers[i])}</text>");
            sb.AppendLine($"<rect x=\"{LabelWidth}\" y=\"{y + 1}\" width=\"{F(X(forwardMs[i]))}\" height=\"6\" fill=\"#4878d0\"><title>{F(forwardMs[i])} ms</title></rect>");
            sb.AppendLine($"<rect x=\"{LabelWidth}\" y=\"{y + 8}\" width=\"{F(X(backtrackMs[i]))}\" height=\"6\" fill=\"#ee854a\"><title>{F(backtrackMs[i])} ms</title></rect>");
        }

        sb.AppendLine($"<text x=\"{LabelWidth + (PlotWidth / 2)}\" y=\"{height - 4}\" text-anchor=\"middle\">milliseconds (log scale)</text></svg>");
        return sb.ToString();
    }
}
