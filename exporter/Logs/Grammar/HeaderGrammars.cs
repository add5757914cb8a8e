namespace XxExporter.Logs.Grammar;

/// <summary>The parsed prefix of a line that starts a new record.</summary>
public readonly ref struct RecordHeader(RecordLevel level, LocalStamp stamp, ReadOnlySpan<byte> message)
{
    public RecordLevel Level { get; } = level;
    public LocalStamp Stamp { get; } = stamp;
    public ReadOnlySpan<byte> Message { get; } = message;
}

/// <summary>
/// Recognises record headers of both grammars. Pure functions over the bytes of one line
/// (without its newline); anything that does not match is a continuation line.
/// </summary>
public static class HeaderGrammars
{
    public static bool TryParse(LogGrammar grammar, ReadOnlySpan<byte> line, out RecordHeader header) =>
        grammar == LogGrammar.GoJww ? TryParseGoJww(line, out header) : TryParsePythonLogging(line, out header);

    /// <summary>
    /// jwalterweatherman over Go's log package: <c>LEVEL YYYY/MM/DD HH:MM:SS message</c>.
    /// Leading NUL bytes (left by a writer that does not append after a truncation) are ignored.
    /// </summary>
    public static bool TryParseGoJww(ReadOnlySpan<byte> line, out RecordHeader header)
    {
        header = default;
        line = TrimLeadingNul(line);
        if (line.Length < 2) return false;
        RecordLevel level;
        int levelLength;
        switch (line[0])
        {
            case (byte)'I' when line.StartsWith("INFO "u8): level = RecordLevel.Info; levelLength = 4; break;
            case (byte)'W' when line.StartsWith("WARN "u8): level = RecordLevel.Warn; levelLength = 4; break;
            case (byte)'E' when line.StartsWith("ERROR "u8): level = RecordLevel.Error; levelLength = 5; break;
            case (byte)'D' when line.StartsWith("DEBUG "u8): level = RecordLevel.Debug; levelLength = 5; break;
            case (byte)'T' when line.StartsWith("TRACE "u8): level = RecordLevel.Trace; levelLength = 5; break;
            case (byte)'F' when line.StartsWith("FATAL "u8): level = RecordLevel.Fatal; levelLength = 5; break;
            case (byte)'C' when line.StartsWith("CRITICAL "u8): level = RecordLevel.Critical; levelLength = 8; break;
            default: return false;
        }
        // "YYYY/MM/DD HH:MM:SS" follows the single space after the level.
        var rest = line[(levelLength + 1)..];
        if (rest.Length < 19 || rest[4] != '/' || rest[7] != '/' || rest[10] != ' ' || rest[13] != ':' || rest[16] != ':')
            return false;
        if (!TryDigits(rest, 0, 4, out int year) || !TryDigits(rest, 5, 2, out int month) || !TryDigits(rest, 8, 2, out int day)
            || !TryDigits(rest, 11, 2, out int hour) || !TryDigits(rest, 14, 2, out int minute) || !TryDigits(rest, 17, 2, out int second))
            return false;
        ReadOnlySpan<byte> message;
        if (rest.Length == 19) message = default;
        else if (rest[19] == ' ') message = rest[20..];
        else return false;
        header = new RecordHeader(level, new LocalStamp(year, month, day, hour, minute, second), message);
        return true;
    }

    /// <summary>
    /// Python logging as the wrapper configures it: <c>[LEVEL] DD-Mon-YY HH:MM:SS: message</c>
    /// (<c>%d-%b-%y %H:%M:%S</c>, C locale month names, two-digit year read as 20YY).
    /// </summary>
    public static bool TryParsePythonLogging(ReadOnlySpan<byte> line, out RecordHeader header)
    {
        header = default;
        line = TrimLeadingNul(line);
        if (line.Length < 2 || line[0] != '[') return false;
        RecordLevel level;
        int afterLevel;
        switch (line[1])
        {
            case (byte)'I' when line.StartsWith("[INFO] "u8): level = RecordLevel.Info; afterLevel = 7; break;
            case (byte)'W' when line.StartsWith("[WARNING] "u8): level = RecordLevel.Warn; afterLevel = 10; break;
            case (byte)'E' when line.StartsWith("[ERROR] "u8): level = RecordLevel.Error; afterLevel = 8; break;
            case (byte)'D' when line.StartsWith("[DEBUG] "u8): level = RecordLevel.Debug; afterLevel = 8; break;
            case (byte)'C' when line.StartsWith("[CRITICAL] "u8): level = RecordLevel.Critical; afterLevel = 11; break;
            default: return false;
        }
        // "DD-Mon-YY HH:MM:SS:" follows.
        var rest = line[afterLevel..];
        if (rest.Length < 19 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' || rest[12] != ':' || rest[15] != ':' || rest[18] != ':')
            return false;
        int month = MonthNumber(rest.Slice(3, 3));
        if (month == 0 || !TryDigits(rest, 0, 2, out int day) || !TryDigits(rest, 7, 2, out int year)
            || !TryDigits(rest, 10, 2, out int hour) || !TryDigits(rest, 13, 2, out int minute) || !TryDigits(rest, 16, 2, out int second))
            return false;
        ReadOnlySpan<byte> message;
        if (rest.Length == 19) message = default;
        else if (rest[19] == ' ') message = rest[20..];
        else return false;
        header = new RecordHeader(level, new LocalStamp(2000 + year, month, day, hour, minute, second), message);
        return true;
    }

    private static ReadOnlySpan<byte> TrimLeadingNul(ReadOnlySpan<byte> line)
    {
        int i = 0;
        while (i < line.Length && line[i] == 0) i++;
        return line[i..];
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, int start, int count, out int value)
    {
        value = 0;
        for (int i = start; i < start + count; i++)
        {
            uint d = (uint)(s[i] - '0');
            if (d > 9) return false;
            value = value * 10 + (int)d;
        }
        return true;
    }

    private static int MonthNumber(ReadOnlySpan<byte> name) => name switch
    {
        [(byte)'J', (byte)'a', (byte)'n'] => 1,
        [(byte)'F', (byte)'e', (byte)'b'] => 2,
        [(byte)'M', (byte)'a', (byte)'r'] => 3,
        [(byte)'A', (byte)'p', (byte)'r'] => 4,
        [(byte)'M', (byte)'a', (byte)'y'] => 5,
        [(byte)'J', (byte)'u', (byte)'n'] => 6,
        [(byte)'J', (byte)'u', (byte)'l'] => 7,
        [(byte)'A', (byte)'u', (byte)'g'] => 8,
        [(byte)'S', (byte)'e', (byte)'p'] => 9,
        [(byte)'O', (byte)'c', (byte)'t'] => 10,
        [(byte)'N', (byte)'o', (byte)'v'] => 11,
        [(byte)'D', (byte)'e', (byte)'c'] => 12,
        _ => 0,
    };
}
