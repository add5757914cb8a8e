using System.Buffers;
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
    // By family name: a card looks up a value per row, which must not scan every sample of the registry.
    private readonly Dictionary<string, List<Sample>> _families;

    private MetricSamples(Dictionary<string, List<Sample>> families) => _families = families;

    public static async Task<MetricSamples> CollectAsync(CollectorRegistry registry, CancellationToken cancel)
    {
        // Parsed as it is written: with thousands of series, the whole exposition held at once would be megabytes.
        await using var lines = new LineSink();
        await registry.CollectAndExportAsTextAsync(lines, cancel);
        lines.EndLine();
        return new MetricSamples(lines.Families);
    }

    /// <summary>Parses one line of Prometheus text exposition (no timestamps, as prometheus-net writes it) into <paramref name="families"/>.</summary>
    private static void ParseLine(string line, Dictionary<string, List<Sample>> families)
    {
        if (line.Length == 0 || line[0] == '#') return;
        int brace = line.IndexOf('{');
        int valueStart = line.LastIndexOf(' ');
        if (valueStart < 0) return;
        string name = brace >= 0 && brace < valueStart ? line[..brace] : line[..valueStart];
        var labels = new Dictionary<string, string>();
        if (brace >= 0 && brace < valueStart) ParseLabels(line.AsSpan(brace + 1, line.LastIndexOf('}') - brace - 1), labels);
        if (!double.TryParse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)) return;
        if (!families.TryGetValue(name, out var family)) families[name] = family = [];
        family.Add(new Sample(name, labels, value));
    }

    /// <summary>A write-only stream that parses each line of exposition as soon as it is complete.</summary>
    private sealed class LineSink : Stream
    {
        private readonly ArrayBufferWriter<byte> _line = new(256);

        public Dictionary<string, List<Sample>> Families { get; } = new(StringComparer.Ordinal);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            for (int newline; (newline = buffer.IndexOf((byte)'\n')) >= 0; buffer = buffer[(newline + 1)..])
            {
                _line.Write(buffer[..newline]);
                EndLine();
            }
            _line.Write(buffer);
        }

        /// <summary>Parses the line held (the last one may end without a newline).</summary>
        public void EndLine()
        {
            // Comments (HELP, TYPE) are not even decoded.
            if (_line.WrittenCount > 0 && _line.WrittenSpan[0] != (byte)'#') ParseLine(System.Text.Encoding.UTF8.GetString(_line.WrittenSpan), Families);
            _line.ResetWrittenCount();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        // A flush may come in the middle of a line: lines are parsed at their newline.
        public override void Flush() { }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
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

    public IEnumerable<Sample> All(string name) => _families.GetValueOrDefault(name) ?? [];

    /// <summary>The value of an unlabelled family, or of the sample with the given label values; null if absent.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels) =>
        All(name).FirstOrDefault(s => labels.All(l => s.Label(l.Label) == l.Value))?.Value;
}
