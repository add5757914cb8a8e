using System.Globalization;
using Prometheus;

namespace XxExporter.Tests.Support;

/// <summary>Reads samples back out of the exposition text a registry renders, as Prometheus would see them.</summary>
public sealed class Exposition
{
    private readonly Dictionary<string, double> _samples;

    private Exposition(string text)
    {
        Text = text;
        _samples = text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            // Label values may hold spaces; the value is after the last one (no timestamps are written).
            .ToDictionary(line => line[..line.LastIndexOf(' ')], line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    public string Text { get; }

    public static async Task<Exposition> Of(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return new Exposition(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    public static Exposition Parse(string text) => new(text);

    /// <summary>Scrapes until <paramref name="done"/> holds or <paramref name="limit"/> has passed; returns the last scrape.</summary>
    public static async Task<Exposition> Until(CollectorRegistry registry, Func<Exposition, bool> done, TimeSpan limit)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var metrics = await Of(registry);
            if (done(metrics) || waited.Elapsed > limit) return metrics;
            await Task.Delay(50);
        }
    }

    /// <summary>The value of a series written as in the text: <c>name</c> or <c>name{a="1",b="2"}</c>.</summary>
    public double this[string series] =>
        _samples.TryGetValue(series, out double value) ? value : throw new KeyNotFoundException($"no series {series} in:\n{Text}");

    public bool Has(string series) => _samples.ContainsKey(series);

    public IEnumerable<string> Series => _samples.Keys;
}
