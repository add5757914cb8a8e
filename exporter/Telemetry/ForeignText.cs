using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace XxExporter.Telemetry;

/// <summary>
/// The one rule for text a peer or a file supplies (a node's error message, a file name, a value in a config) on its
/// way to a label, a log line, the status page or /status.json. Text that is short and clean is shown as it is.
/// Anything else is shown with control characters (C0, DEL, C1, line and paragraph separators, and Unicode format
/// characters such as the bidi overrides U+202A-U+202E and isolates U+2066-U+2069) written as <c>\uXXXX</c>, broken
/// surrogates as U+FFFD, cut to the length of its use with "…", and a hash of the whole value appended
/// (<c>#</c> and 12 hex digits): two values that differ stay two values after the cut (docs/configuration.md).
/// Pure.
/// </summary>
public static class ForeignText
{
    /// <summary>A label value: what a series is named by.</summary>
    public const int LabelLength = 128;

    /// <summary>Foreign text inside one of our sentences (a log line, a status note, a field of /status.json).</summary>
    public const int TextLength = 256;

    /// <summary>A whole sentence that may carry foreign text: the most a problem adds to one log line.</summary>
    public const int SentenceLength = 1024;

    private const int HashDigits = 12;
    private const string Cut = "…";
    private const int EscapeWidth = 6; // \uXXXX

    /// <summary><paramref name="value"/> as a label shows it.</summary>
    public static string Label(string value) => Show(value, LabelLength);

    /// <summary><paramref name="value"/> as a sentence quotes it.</summary>
    public static string Text(string value) => Show(value, TextLength);

    /// <summary><paramref name="value"/> shown in at most <paramref name="maxLength"/> characters.</summary>
    public static string Show(string value, int maxLength) =>
        IsClean(value) && value.Length <= maxLength ? value : Show(value, more: false, MemoryMarshal.AsBytes(value.AsSpan()), maxLength);

    /// <summary>
    /// A value of which only <paramref name="head"/> was decoded (so a huge value is never held whole), shown in at
    /// most <paramref name="maxLength"/> characters; <paramref name="more"/> says the value goes on past the head, and
    /// <paramref name="whole"/> is the whole value as read (its bytes), which the hash is taken of.
    /// </summary>
    public static string Show(ReadOnlySpan<char> head, bool more, ReadOnlySpan<byte> whole, int maxLength)
    {
        if (!more && head.Length <= maxLength && IsClean(head)) return head.ToString();
        int room = maxLength - 1 - HashDigits; // the "#" and the hash always fit
        bool cut = more || Width(head) > room;
        if (cut) room -= Cut.Length;
        var shown = new StringBuilder(maxLength);
        for (int i = 0; i < head.Length; i++)
        {
            char c = head[i];
            if (char.IsHighSurrogate(c) && i + 1 < head.Length && char.IsLowSurrogate(head[i + 1]))
            {
                if (shown.Length + 2 > room) break;
                shown.Append(c).Append(head[++i]);
            }
            else if (char.IsSurrogate(c))
            {
                if (shown.Length + 1 > room) break;
                shown.Append('\uFFFD');
            }
            else if (MustEscape(c))
            {
                if (shown.Length + EscapeWidth > room) break;
                shown.Append("\\u").Append(((int)c).ToString("x4"));
            }
            else
            {
                if (shown.Length + 1 > room) break;
                shown.Append(c);
            }
        }
        if (cut) shown.Append(Cut);
        return shown.Append('#').Append(Hash(whole)).ToString();
    }

    /// <summary>True if <paramref name="text"/> has nothing to escape or replace.</summary>
    public static bool IsClean(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1])) return false;
                i++;
            }
            else if (MustEscape(c)) return false;
        }
        return true;
    }

    /// <summary>True for a control character (C0, DEL, C1), a line or paragraph separator, or a format character (bidi controls, zero-width ones).</summary>
    private static bool MustEscape(char c) =>
        c is < ' ' or >= '\u007f' && CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>How many characters <paramref name="text"/> takes as shown (a surrogate, paired or not, takes one).</summary>
    private static int Width(ReadOnlySpan<char> text)
    {
        int width = 0;
        foreach (char c in text) width += !char.IsSurrogate(c) && MustEscape(c) ? EscapeWidth : 1;
        return width;
    }

    private static string Hash(ReadOnlySpan<byte> whole) => (XxHash64.HashToUInt64(whole) & 0xFFFF_FFFF_FFFF).ToString("x12");

    /// <summary>
    /// The start of a JSON string's content as it is on the wire (<paramref name="raw"/>, between the quotes, escapes
    /// as sent), unescaped only as far as <paramref name="maxLength"/> can show, then <see cref="Show(ReadOnlySpan{char}, bool, ReadOnlySpan{byte}, int)"/>:
    /// a peer's megabytes of text are never decoded whole.
    /// </summary>
    public static string FromJson(ReadOnlySpan<byte> raw, int maxLength)
    {
        char[] buffer = ArrayPool<char>.Shared.Rent(maxLength + 2);
        try
        {
            int length = 0, i = 0;
            while (i < raw.Length && length < maxLength + 1)
            {
                if (raw[i] == '\\' && i + 1 < raw.Length)
                {
                    char next = (char)raw[i + 1];
                    if (next == 'u' && i + 6 <= raw.Length && ushort.TryParse(raw.Slice(i + 2, 4), NumberStyles.AllowHexSpecifier, null, out ushort code))
                    {
                        buffer[length++] = (char)code;
                        i += 6;
                        continue;
                    }
                    buffer[length++] = next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', 'b' => '\b', 'f' => '\f', _ => next };
                    i += 2;
                    continue;
                }
                Rune.DecodeFromUtf8(raw[i..], out var rune, out int consumed);
                length += rune.EncodeToUtf16(buffer.AsSpan(length));
                i += consumed;
            }
            return Show(buffer.AsSpan(0, length), more: i < raw.Length, raw, maxLength);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }
}
