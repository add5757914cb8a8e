using System.Net.Http.Headers;

namespace XxExporter.Tests.Support;

/// <summary>One series to remote-write: its labels (with __name__) and its samples, a NaN of <see cref="RemoteWrite.StaleNaN"/> marking it stale.</summary>
public sealed record WrittenSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(long UnixMs, double Value)> Samples);

/// <summary>
/// The Prometheus remote-write protocol 1.0 (a snappy-framed protobuf WriteRequest), written by hand for the test's few
/// series: what a Prometheus agent or vmagent sends, staleness markers included, to VictoriaMetrics or to a Prometheus
/// with --web.enable-remote-write-receiver.
/// </summary>
public static class RemoteWrite
{
    /// <summary>Prometheus's staleness marker: the NaN a scrape writes when a series disappears.</summary>
    public static readonly double StaleNaN = BitConverter.Int64BitsToDouble(0x7ff0000000000002);

    /// <summary>Posts <paramref name="series"/> to <paramref name="path"/> of <paramref name="http"/>'s server, in requests of a bounded size.</summary>
    public static async Task PostAsync(HttpClient http, string path, IEnumerable<WrittenSeries> series)
    {
        foreach (var batch in series.Chunk(200))
        {
            using var content = new ByteArrayContent(Snappy(WriteRequest(batch)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            content.Headers.ContentEncoding.Add("snappy");
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
            request.Headers.Add("X-Prometheus-Remote-Write-Version", "0.1.0");
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"remote write to {http.BaseAddress}{path.TrimStart('/')}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    // WriteRequest { repeated TimeSeries timeseries = 1 }; TimeSeries { repeated Label labels = 1; repeated Sample samples = 2 }
    // Label { string name = 1; string value = 2 }; Sample { double value = 1; int64 timestamp = 2 }
    private static byte[] WriteRequest(IEnumerable<WrittenSeries> series)
    {
        var request = new MemoryStream();
        foreach (var one in series)
        {
            var timeSeries = new MemoryStream();
            foreach (var (name, value) in one.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                var label = new MemoryStream();
                Bytes(label, 1, System.Text.Encoding.UTF8.GetBytes(name));
                Bytes(label, 2, System.Text.Encoding.UTF8.GetBytes(value));
                Bytes(timeSeries, 1, label.ToArray());
            }
            foreach (var (unixMs, value) in one.Samples)
            {
                var sample = new MemoryStream();
                sample.WriteByte(1 << 3 | 1); // field 1, fixed64
                sample.Write(BitConverter.GetBytes(BitConverter.DoubleToInt64Bits(value)));
                sample.WriteByte(2 << 3); // field 2, varint
                Varint(sample, (ulong)unixMs);
                Bytes(timeSeries, 2, sample.ToArray());
            }
            Bytes(request, 1, timeSeries.ToArray());
        }
        return request.ToArray();
    }

    private static void Bytes(Stream to, int field, byte[] bytes)
    {
        to.WriteByte((byte)(field << 3 | 2)); // length-delimited
        Varint(to, (ulong)bytes.Length);
        to.Write(bytes);
    }

    private static void Varint(Stream to, ulong value)
    {
        for (; value >= 0x80; value >>= 7) to.WriteByte((byte)(value | 0x80));
        to.WriteByte((byte)value);
    }

    /// <summary>The snappy block format with literals only: valid snappy that any decoder reads (nothing is compressed).</summary>
    private static byte[] Snappy(byte[] data)
    {
        var block = new MemoryStream();
        Varint(block, (ulong)data.Length);
        for (int offset = 0; offset < data.Length; offset += 65536)
        {
            int length = Math.Min(65536, data.Length - offset);
            block.WriteByte(61 << 2); // a literal whose length - 1 follows in two bytes
            block.WriteByte((byte)(length - 1));
            block.WriteByte((byte)((length - 1) >> 8));
            block.Write(data, offset, length);
        }
        return block.ToArray();
    }
}
