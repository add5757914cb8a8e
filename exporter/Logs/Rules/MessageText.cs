using System.Buffers.Text;
using System.Text;

namespace XxExporter.Logs.Rules;

/// <summary>Small pure helpers for reading values out of message bytes.</summary>
public static class MessageText
{
    /// <summary>
    /// Strips the cMix instance prefix <c>[nodeID:port]: RID n </c> (or <c>[...] RID n </c>) and returns the rest;
    /// returns false for messages that do not carry it.
    /// </summary>
    public static bool TryStripRoundPrefix(ReadOnlySpan<byte> message, out ReadOnlySpan<byte> rest)
    {
        rest = default;
        if (message.Length == 0 || message[0] != '[') return false;
        int close = message.IndexOf((byte)']');
        if (close < 0) return false;
        var after = message[(close + 1)..];
        if (after.StartsWith(": "u8)) after = after[2..];
        else if (after.StartsWith(" "u8)) after = after[1..];
        else return false;
        if (!after.StartsWith("RID "u8)) return false;
        after = after[4..];
        int digits = 0;
        while (digits < after.Length && (uint)(after[digits] - '0') <= 9) digits++;
        if (digits == 0 || digits == after.Length || after[digits] != ' ') return false;
        rest = after[(digits + 1)..];
        return true;
    }

    /// <summary>Reads the unsigned whole number at the start of <paramref name="text"/>.</summary>
    public static bool TryReadNumber(ReadOnlySpan<byte> text, out long value, out int consumed) =>
        Utf8Parser.TryParse(text, out value, out consumed) && consumed > 0 && value >= 0;

    /// <summary>
    /// Parses a Go <c>time.Duration</c> string (<c>31.482193667s</c>, <c>1m2.5s</c>, <c>850ms</c>, <c>1h0m0s</c>)
    /// at the start of <paramref name="text"/> into seconds.
    /// </summary>
    public static bool TryReadGoDuration(ReadOnlySpan<byte> text, out double seconds, out int consumed)
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

    /// <summary>The first word of <paramref name="text"/> (up to a space), decoded for use as a bounded label.</summary>
    public static string FirstWord(ReadOnlySpan<byte> text, int maxLength)
    {
        int end = text.IndexOf((byte)' ');
        if (end < 0) end = text.Length;
        return Encoding.UTF8.GetString(text[..Math.Min(end, maxLength)]);
    }
}
