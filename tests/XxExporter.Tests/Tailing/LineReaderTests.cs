using XxExporter.Logs.Tailing;

namespace XxExporter.Tests.Tailing;

public class LineReaderTests
{
    private sealed class Sink : ILineSink
    {
        public List<int> LineLengths { get; } = [];
        public int Oversized { get; private set; }

        public void OnLine(ReadOnlySpan<byte> line) => LineLengths.Add(line.Length);

        public void OnOversizedLine() => Oversized++;
    }

    /// <summary>Hands <paramref name="data"/> to the reader as a file read would, at most <paramref name="chunk"/> bytes at a time.</summary>
    private static void Feed(LineReader reader, ReadOnlySpan<byte> data, int chunk, ILineSink sink)
    {
        while (!data.IsEmpty)
        {
            var target = reader.GetReadBuffer();
            int count = Math.Min(Math.Min(target.Length, chunk), data.Length);
            data[..count].CopyTo(target);
            reader.Commit(count, sink);
            data = data[count..];
        }
    }

    private static byte[] Around(int length) => [(byte)'a', (byte)'\n', .. Enumerable.Repeat((byte)'x', length), (byte)'\n', (byte)'b', (byte)'\n'];

    [Theory]
    [InlineData(1023, 1)]
    [InlineData(1024, 1)]
    [InlineData(1025, 1)]
    [InlineData(1024, 100)]
    [InlineData(1025, 100)]
    [InlineData(1024, 4096)]
    [InlineData(1025, 4096)]
    [InlineData(5000, 700)]
    public void Lines_up_to_the_cap_count_and_longer_ones_are_skipped_whatever_the_read_size(int length, int readSize)
    {
        const int cap = 1024;
        var reader = new LineReader(cap, readSize);
        var sink = new Sink();
        Feed(reader, Around(length), readSize, sink);

        Assert.Equal(length <= cap ? [1, length, 1] : [1, 1], sink.LineLengths);
        Assert.Equal(length <= cap ? 0 : 1, sink.Oversized);
        Assert.Equal(0, reader.PendingBytes);
    }

    [Fact]
    public void An_oversized_line_streams_through_without_memory_growing_with_it()
    {
        const int cap = 1024, readSize = 4096;
        byte[] data = Around(10 << 20);
        var sink = new Sink();

        long before = GC.GetAllocatedBytesForCurrentThread();
        var reader = new LineReader(cap, readSize);
        Feed(reader, data, readSize, sink);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal([1, 1], sink.LineLengths);
        Assert.Equal(1, sink.Oversized);
        // One buffer of at most cap + readSize (+ small objects), not the 10 MiB line.
        Assert.InRange(allocated, 0, cap + readSize + 4096);
    }

    /// <summary>Throws on lines of one length, as a rule with a bug would.</summary>
    private sealed class FaultySink(int faultyLength) : ILineSink
    {
        public List<int> LineLengths { get; } = [];

        public void OnLine(ReadOnlySpan<byte> line)
        {
            if (line.Length == faultyLength) throw new InvalidOperationException("a rule failed");
            LineLengths.Add(line.Length);
        }

        public void OnOversizedLine() { }
    }

    /// <summary>A reader whose sink threw on "bb" in the chunk "a\nbb\nccc\ndddd" (a rule with a bug).</summary>
    private static (LineReader Reader, FaultySink Sink) AfterAFailingLine()
    {
        var reader = new LineReader(1024, 4096);
        var sink = new FaultySink(faultyLength: 2);
        Assert.Throws<InvalidOperationException>(() => Commit(reader, "a\nbb\nccc\ndddd"u8, sink));
        return (reader, sink);
    }

    private static void Commit(LineReader reader, ReadOnlySpan<byte> chunk, ILineSink sink)
    {
        chunk.CopyTo(reader.GetReadBuffer());
        reader.Commit(chunk.Length, sink);
    }

    [Fact]
    public void A_sink_that_throws_loses_only_its_line_and_the_lines_after_it_are_cut_once()
    {
        var (reader, sink) = AfterAFailingLine();
        Commit(reader, "\neeeee\n"u8, sink);
        Assert.Equal([1, 3, 4, 5], sink.LineLengths);
        Assert.Equal(0, reader.PendingBytes);
    }

    [Fact]
    public void Lines_a_throwing_sink_left_behind_come_out_one_by_one_when_the_file_ends()
    {
        var (reader, sink) = AfterAFailingLine();
        reader.FlushPartial(sink);   // rotated: no more bytes will come
        Assert.Equal([1, 3, 4], sink.LineLengths);
        Assert.Equal(0, reader.PendingBytes);
    }
}
