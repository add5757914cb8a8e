using System.Globalization;
using Prometheus;

namespace XxExporter.Web.Status;

/// <summary>One sample of the exposition: family name, labels, value.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// The registry's samples, read from the same exposition text /metrics serves (collected the same way, so the
/// status page can never disagree with the metrics).
/// </summary>
internal sealed class MetricSamples
{
    private readonly List<Sample> _samples;

    private MetricSamples(List<Sample> samples) => _samples = samples;

    public static async Task<MetricSamples> CollectAsync(CollectorRegistry registry, CancellationToken cancel)
    {
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text, cancel);
        text.Position = 0;
        return Parse(new StreamReader(text).ReadToEnd());
    }

    /// <summary>Parses Prometheus text exposition (no timestamps, as prometheus-net writes it).</summary>
    private static MetricSamples Parse(string exposition)
    {
        var samples = new List<Sample>();
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int brace = line.IndexOf('{');
            int valueStart = line.LastIndexOf(' ');
            if (valueStart < 0) continue;
            string name = brace >= 0 && brace < valueStart ? line[..brace] : line[..valueStart];
            var labels = new Dictionary<string, string>();
            if (brace >= 0 && brace < valueStart) ParseLabels(line.AsSpan(brace + 1, line.LastIndexOf('}') - brace - 1), labels);
            if (double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
                samples.Add(new Sample(name, labels, value));
        }
        return new MetricSamples(samples);
    }

    private static void ParseLabels(ReadOnlySpan<char> text, Dictionary<string, string> labels)
    {
        while (text.Length > 0)
        {
            int equals = text.IndexOf('=');
            if (equals < 0 || equals + 1 >= text.Length || text[equals + 1] != '"') return;
            string name = text[..equals].Trim(',').Trim().ToString();
            var value = new System.Text.StringBuilder();
            int i = equals + 2;
            for (; i < text.Length && text[i] != '"'; i++)
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    value.Append(text[i] == 'n' ? '\n' : text[i]);
                }
                else value.Append(text[i]);
            }
            labels[name] = value.ToString();
            text = i + 1 < text.Length ? text[(i + 1)..] : default;
        }
    }

    public IEnumerable<Sample> All(string name) => _samples.Where(s => s.Name == name);

    /// <summary>The value of an unlabelled family, or of the sample with the given label values; null if absent.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels) =>
        _samples.FirstOrDefault(s => s.Name == name && labels.All(l => s.Label(l.Label) == l.Value))?.Value;
}
