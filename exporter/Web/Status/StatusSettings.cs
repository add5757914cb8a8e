using System.Text;
using XxExporter.Settings;

namespace XxExporter.Web.Status;

/// <summary>One label matcher as Alertmanager's API v2 <c>filter=</c> takes it: <c>name="value"</c>, <c>!=</c>, <c>=~</c>, <c>!~</c>.</summary>
public sealed record AlertMatcher(string Name, string Operator, string Value)
{
    public override string ToString() => $"{Name}{Operator}\"{Value.Replace(@"\", @"\\").Replace("\"", "\\\"")}\"";
}

public sealed record StatusSettings
{
    /// <summary>The Alertmanager whose alerts the page leads with; null: none.</summary>
    public Uri? Alertmanager { get; init; }

    /// <summary>Every one must hold for an alert to be shown; none: every alert the Alertmanager holds.</summary>
    public IReadOnlyList<AlertMatcher> Matchers { get; init; } = [];

    public static class Table
    {
        public static readonly Setting<Uri?> AlertmanagerUrl = new("status.alertmanager-url", "Status:AlertmanagerUrl", "",
            "Alertmanager (http:// or https://) whose alerts for this host the status page and /status.json lead with; empty: the page shows the exporter's facts only.",
            text => text.Length == 0 ? null
                : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Query.Length == 0 && uri.Fragment.Length == 0 ? uri
                : throw new FormatException("must be an http:// or https:// URL without a query"));

        public static readonly Setting<IReadOnlyList<AlertMatcher>> AlertMatchers = new("status.alert-matchers", "Status:AlertMatchers", "",
            "Label matchers, all of which an alert in that Alertmanager must match to be shown, such as validator=\"validator-1\" "
            + "(=, !=, =~, !~): every alert of that validator, its hosts' and its own; the validator's own alerts carry validator but "
            + "no instance, so instance=\"node-a:19420\" shows only that host's; empty: every alert it holds.", ParseMatchers);

        public static IReadOnlyList<Setting> All { get; } = [AlertmanagerUrl, AlertMatchers];
    }

    public static StatusSettings Read(SettingValues values) => new() { Alertmanager = values.Get(Table.AlertmanagerUrl), Matchers = values.Get(Table.AlertMatchers) };

    /// <summary>
    /// <c>name="value", name=~"regex"</c> as in a PromQL selector (its braces may be written), values in double quotes
    /// with <c>\"</c> and <c>\\</c> escaped, so a value may hold commas.
    /// </summary>
    public static IReadOnlyList<AlertMatcher> ParseMatchers(string text)
    {
        string rest = text.Trim();
        if (rest.StartsWith('{') && rest.EndsWith('}')) rest = rest[1..^1].Trim();
        var matchers = new List<AlertMatcher>();
        int i = 0;
        while (i < rest.Length)
        {
            int nameStart = i;
            while (i < rest.Length && (char.IsAsciiLetterOrDigit(rest[i]) || rest[i] == '_')) i++;
            string name = rest[nameStart..i];
            if (name.Length == 0 || char.IsAsciiDigit(name[0]))
                throw new FormatException($"expected a label name at \"{rest[nameStart..]}\" (matchers are written name=\"value\")");
            i = SkipSpaces(rest, i);
            string op = rest.AsSpan(i).StartsWith("=~") ? "=~" : rest.AsSpan(i).StartsWith("!~") ? "!~" : rest.AsSpan(i).StartsWith("!=") ? "!="
                : rest.AsSpan(i).StartsWith("=") ? "=" : throw new FormatException($"{name} needs =, !=, =~ or !~ and a value in double quotes");
            i = SkipSpaces(rest, i + op.Length);
            if (i >= rest.Length || rest[i] != '"') throw new FormatException($"the value of {name} must be in double quotes");
            var value = new StringBuilder();
            for (i++; i < rest.Length && rest[i] != '"'; i++)
                value.Append(rest[i] == '\\' && i + 1 < rest.Length ? rest[++i] : rest[i]);
            if (i >= rest.Length) throw new FormatException($"the value of {name} has no closing double quote");
            matchers.Add(new AlertMatcher(name, op, value.ToString()));
            i = SkipSpaces(rest, i + 1);
            if (i < rest.Length && rest[i] != ',') throw new FormatException($"expected a comma after {matchers[^1]}");
            i = SkipSpaces(rest, i + 1);
        }
        return matchers;
    }

    private static int SkipSpaces(string text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
        return i;
    }
}
