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

    /// <summary>The first word of <paramref name="text"/> (up to a space), decoded for use as a bounded label.</summary>
    public static string FirstWord(ReadOnlySpan<byte> text, int maxLength)
    {
        int end = text.IndexOf((byte)' ');
        if (end < 0) end = text.Length;
        return Encoding.UTF8.GetString(text[..Math.Min(end, maxLength)]);
    }
}
