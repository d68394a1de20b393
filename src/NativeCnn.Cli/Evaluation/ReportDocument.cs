using System.Net;
using System.Text;

namespace NativeCnn.Cli.Evaluation;

/// <summary>
/// A small document (headings, paragraphs, tables, images) rendered twice: Markdown that links the image files
/// beside it, and self-contained HTML with PNGs as data URIs and SVGs inlined.
/// </summary>
public sealed class ReportDocument
{
    private readonly List<object> _blocks = [];

    private sealed record Heading(int Level, string Text);

    private sealed record Paragraph(string Text);

    private sealed record TableBlock(string[] Header, List<string[]> Rows);

    private sealed record Figure(string RelativePath, string Caption);

    public void H(int level, string text) => _blocks.Add(new Heading(level, text));

    public void P(string text) => _blocks.Add(new Paragraph(text));

    public void Table(string[] header, IEnumerable<string[]> rows) => _blocks.Add(new TableBlock(header, rows.ToList()));

    /// <summary>An image file (PNG or SVG) relative to the report folder.</summary>
    public void Image(string relativePath, string caption) => _blocks.Add(new Figure(relativePath, caption));

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h:
                    sb.Append('#', h.Level).Append(' ').AppendLine(h.Text).AppendLine();
                    break;
                case Paragraph p:
                    sb.AppendLine(p.Text).AppendLine();
                    break;
                case TableBlock t:
                    sb.AppendLine("| " + string.Join(" | ", t.Header.Select(Cell)) + " |");
                    sb.AppendLine("|" + string.Concat(t.Header.Select((_, i) => i == 0 ? "---|" : "---:|")));
                    foreach (var r in t.Rows)
                    {
                        sb.AppendLine("| " + string.Join(" | ", r.Select(Cell)) + " |");
                    }

                    sb.AppendLine();
                    break;
                case Figure f:
                    sb.AppendLine($"![{f.Caption}]({f.RelativePath.Replace('\\', '/')})").AppendLine();
                    break;
            }
        }

        return sb.ToString();

        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
    }

    public string ToHtml(string title, string folder)
    {
        var sb = new StringBuilder();
        sb.AppendLine("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + WebUtility.HtmlEncode(title) + "</title>");
        sb.AppendLine("<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em}table{border-collapse:collapse;margin:.5em 0}" +
            "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}" +
            "figure{display:inline-block;margin:4px;vertical-align:top}figcaption{font-size:12px;max-width:460px}code{background:#eee}</style></head><body>");
        foreach (var b in _blocks)
        {
            switch (b)
            {
                case Heading h:
                    sb.AppendLine($"<h{h.Level}>{Inline(h.Text)}</h{h.Level}>");
                    break;
                case Paragraph p:
                    sb.AppendLine($"<p>{Inline(p.Text)}</p>");
                    break;
                case TableBlock t:
                    sb.Append("<table><tr>").Append(string.Concat(t.Header.Select(c => $"<th>{Inline(c)}</th>"))).AppendLine("</tr>");
                    foreach (var r in t.Rows)
                    {
                        sb.Append("<tr>").Append(string.Concat(r.Select(c => $"<td>{Inline(c)}</td>"))).AppendLine("</tr>");
                    }

                    sb.AppendLine("</table>");
                    break;
                case Figure f:
                    string full = Path.Combine(folder, f.RelativePath);
                    string body = !File.Exists(full) ? $"(missing {WebUtility.HtmlEncode(f.RelativePath)})"
                        : f.RelativePath.EndsWith(".svg", StringComparison.OrdinalIgnoreCase) ? File.ReadAllText(full)
                        : $"<img src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(full))}\" alt=\"{WebUtility.HtmlEncode(f.Caption)}\">";
                    sb.AppendLine($"<figure>{body}<figcaption>{Inline(f.Caption)}</figcaption></figure>");
                    break;
            }
        }

        sb.AppendLine("</body></html>");
        return sb.ToString();
    }

    /// <summary>HTML-escapes and turns Markdown's <c>`code`</c> and <c>**bold**</c> into tags.</summary>
    private static string Inline(string s)
    {
        var e = WebUtility.HtmlEncode(s);
        e = System.Text.RegularExpressions.Regex.Replace(e, "`([^`]+)`", "<code>$1</code>");
        return System.Text.RegularExpressions.Regex.Replace(e, @"\*\*([^*]+)\*\*", "<b>$1</b>");
    }
}
