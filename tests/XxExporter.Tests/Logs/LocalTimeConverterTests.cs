using XxExporter.Logs.Grammar;

namespace XxExporter.Tests.Logs;

public class LocalTimeConverterTests
{
    [Theory]
    [InlineData("UTC", 2023, 7, 26, 14, 8, 24, 1690380504)]
    [InlineData("Europe/Berlin", 2023, 7, 26, 16, 8, 24, 1690380504)]      // CEST, UTC+2
    [InlineData("Europe/Berlin", 2023, 1, 26, 15, 8, 24, 1674742104)]      // CET, UTC+1
    [InlineData("America/New_York", 2023, 7, 26, 10, 8, 24, 1690380504)]   // EDT, UTC-4
    [InlineData("Asia/Kolkata", 2023, 7, 26, 19, 38, 24, 1690380504)]      // UTC+5:30
    public void Local_stamps_become_unix_seconds_in_the_configured_zone(string zone, int y, int mo, int d, int h, int mi, int s, long expected)
    {
        var converter = new LocalTimeConverter(TimeZoneInfo.FindSystemTimeZoneById(zone));
        Assert.True(converter.TryToUnixSeconds(new LocalStamp(y, mo, d, h, mi, s), out long unix));
        Assert.Equal(expected, unix);
    }

    [Fact]
    public void The_minute_cache_does_not_leak_across_minutes_or_seconds()
    {
        var converter = new LocalTimeConverter(TimeZoneInfo.Utc);
        Assert.True(converter.TryToUnixSeconds(new LocalStamp(2023, 7, 26, 14, 8, 24), out long first));
        Assert.True(converter.TryToUnixSeconds(new LocalStamp(2023, 7, 26, 14, 8, 59), out long sameMinute));
        Assert.True(converter.TryToUnixSeconds(new LocalStamp(2023, 7, 26, 14, 9, 0), out long nextMinute));
        Assert.Equal(35, sameMinute - first);
        Assert.Equal(1, nextMinute - sameMinute);
    }

    [Theory]
    [InlineData(2023, 2, 29, 0, 0, 0)]
    [InlineData(2023, 13, 1, 0, 0, 0)]
    [InlineData(2023, 0, 1, 0, 0, 0)]
    [InlineData(2023, 4, 31, 0, 0, 0)]
    [InlineData(2023, 4, 30, 24, 0, 0)]
    [InlineData(2023, 4, 30, 23, 60, 0)]
    [InlineData(2023, 4, 30, 23, 59, 60)]
    public void Impossible_dates_are_refused(int y, int mo, int d, int h, int mi, int s) =>
        Assert.False(new LocalTimeConverter(TimeZoneInfo.Utc).TryToUnixSeconds(new LocalStamp(y, mo, d, h, mi, s), out _));

    [Theory]
    [InlineData("Europe/Berlin", 1, 1, 1, 0, 0, 0)]            // an hour before DateTime's first tick in UTC
    [InlineData("America/New_York", 9999, 12, 31, 23, 59, 59)] // hours past its last
    public void Stamps_with_no_utc_time_in_range_are_refused(string zone, int y, int mo, int d, int h, int mi, int s) =>
        Assert.False(new LocalTimeConverter(TimeZoneInfo.FindSystemTimeZoneById(zone)).TryToUnixSeconds(new LocalStamp(y, mo, d, h, mi, s), out _));

    [Fact]
    public void A_time_in_the_spring_forward_gap_converts_without_throwing()
    {
        // 02:30 does not exist in Berlin on 2024-03-31; it takes the standard offset (UTC+1).
        var converter = new LocalTimeConverter(TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.True(converter.TryToUnixSeconds(new LocalStamp(2024, 3, 31, 2, 30, 0), out long unix));
        Assert.Equal(new DateTimeOffset(2024, 3, 31, 1, 30, 0, TimeSpan.Zero).ToUnixTimeSeconds(), unix);
    }
}
