namespace XxExporter.Logs.Grammar;

/// <summary>
/// A wall-clock time as a log line writes it: local time, second resolution, no zone.
/// Only the digits' shape is checked while parsing; calendar validity is checked on conversion.
/// </summary>
public readonly record struct LocalStamp(int Year, int Month, int Day, int Hour, int Minute, int Second)
{
    /// <summary>A key identical for every stamp in the same minute (conversion cache key).</summary>
    public long MinuteKey => ((((long)Year * 13 + Month) * 32 + Day) * 24 + Hour) * 60 + Minute;
}

/// <summary>Turns <see cref="LocalStamp"/>s into Unix seconds in a configured zone, caching per minute.</summary>
/// <remarks>
/// Zone offsets only change on minute boundaries, so one conversion per minute is exact. Times in a DST gap
/// or overlap take the zone's standard offset (what <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/> returns).
/// </remarks>
public sealed class LocalTimeConverter(TimeZoneInfo zone)
{
    private long _cachedMinuteKey = -1;
    private long _cachedMinuteUnix;

    public TimeZoneInfo Zone { get; } = zone;

    public bool TryToUnixSeconds(in LocalStamp stamp, out long unixSeconds)
    {
        if (stamp.Second > 59) { unixSeconds = 0; return false; }
        long key = stamp.MinuteKey;
        if (key != _cachedMinuteKey)
        {
            if (stamp.Month is < 1 or > 12 || stamp.Year is < 1 or > 9999 || stamp.Hour > 23 || stamp.Minute > 59
                || stamp.Day < 1 || stamp.Day > DateTime.DaysInMonth(stamp.Year, stamp.Month))
            {
                unixSeconds = 0;
                return false;
            }
            var local = new DateTime(stamp.Year, stamp.Month, stamp.Day, stamp.Hour, stamp.Minute, 0, DateTimeKind.Unspecified);
            long utcTicks = local.Ticks - Zone.GetUtcOffset(local).Ticks;
            // 0001-01-01 east of UTC or 9999-12-31 west of it has no UTC time in DateTime's range.
            if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
            {
                unixSeconds = 0;
                return false;
            }
            _cachedMinuteUnix = (utcTicks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerSecond;
            _cachedMinuteKey = key;
        }
        unixSeconds = _cachedMinuteUnix + stamp.Second;
        return true;
    }
}
