using System.Buffers.Text;

namespace XxExporter.Parsing;

/// <summary>Go's <c>time.Duration</c> text, which the xx logs write and the settings take (as Prometheus tools do).</summary>
public static class GoDuration
{
    /// <summary>
    /// Parses a Go <c>time.Duration</c> string (<c>31.482193667s</c>, <c>1m2.5s</c>, <c>850ms</c>, <c>1h0m0s</c>)
    /// at the start of <paramref name="text"/> into seconds.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> text, out double seconds, out int consumed)
    {
        seconds = 0;
        consumed = 0;
        if (text.StartsWith("0s"u8) && (text.Length == 2 || text[2] == ' ')) { consumed = 2; return true; }
        int i = 0;
        bool any = false;
        while (i < text.Length && text[i] != ' ')
        {
            // A digit or the decimal point first: Utf8Parser also reads signs, "NaN" and "Infinity".
            if (!(char.IsAsciiDigit((char)text[i]) || text[i] == '.')
                || !Utf8Parser.TryParse(text[i..], out double number, out int used, 'G') || used == 0)
                return false;
            // Utf8Parser would read an exponent such as "1e3"; a duration never has one.
            if (text.Slice(i, used).IndexOfAny((byte)'e', (byte)'E') >= 0) return false;
            i += used;
            double unit;
            var tail = text[i..];
            if (tail.StartsWith("ns"u8)) { unit = 1e-9; i += 2; }
            else if (tail.StartsWith("us"u8)) { unit = 1e-6; i += 2; }
            else if (tail.StartsWith("\u00b5s"u8)) { unit = 1e-6; i += 3; }
            else if (tail.StartsWith("ms"u8)) { unit = 1e-3; i += 2; }
            else if (tail.StartsWith("s"u8)) { unit = 1; i += 1; }
            else if (tail.StartsWith("m"u8)) { unit = 60; i += 1; }
            else if (tail.StartsWith("h"u8)) { unit = 3600; i += 1; }
            else return false;
            seconds += number * unit;
            any = true;
        }
        consumed = i;
        return any && double.IsFinite(seconds);   // hundreds of digits overflow to infinity
    }
}
