using XxExporter.Settings;

namespace XxExporter.Logs;

/// <summary>A log file to follow.</summary>
public sealed record LogFile(LogKind Kind, string Path);

public sealed record LogSettings
{
    public required IReadOnlyList<LogFile> Files { get; init; }
    public required bool FromStart { get; init; }
    public required TimeZoneInfo TimeZone { get; init; }
    public required int MaxLineBytes { get; init; }
    public required TimeSpan PollInterval { get; init; }
    public string? PositionsFile { get; init; }
    /// <summary>The cMix node's error file; null when the cMix log is not followed (docs/xx-node-facts.md, 2.3).</summary>
    public string? CmixErrorFile { get; init; }

    public static class Table
    {
        public static readonly Setting<string> Dir = new("logs.dir", "Logs:Dir", "/opt/xxnetwork/log",
            "Folder holding cmix.log, cmix-wrapper.log, gateway.log and gateway-wrapper.log.", Parsers.Text) { Kind = SettingKind.Path };

        public static readonly IReadOnlyDictionary<LogKind, Setting<string>> Paths = LogKinds.All.ToDictionary(kind => kind, kind =>
            new Setting<string>($"logs.{kind.Label().Replace('_', '-')}.path", $"Logs:{kind}:Path", "",
                $"{kind switch
                {
                    LogKind.Cmix => "cMix node",
                    LogKind.Gateway => "Gateway",
                    LogKind.CmixWrapper => "cMix wrapper",
                    _ => "Gateway wrapper",
                }} log (default: <logs.dir>/{kind.DefaultFileName()}).", Parsers.Text) { Kind = SettingKind.Path });

        /// <summary>The server's <c>cmix.paths.errOutput</c>, which the wrapper's <c>--err-path</c> must name too.</summary>
        public static readonly Setting<string> CmixErrorFile = new("logs.cmix-err.path", "Logs:CmixErr:Path", "",
            "The error file a stopped cMix node leaves for its wrapper, watched when the cmix log is enabled (default: <logs.dir>/cmix-err.log).",
            Parsers.Text) { Kind = SettingKind.Path };

        private static readonly Dictionary<string, LogKind> ByLabel = LogKinds.All.ToDictionary(kind => kind.Label());

        public static readonly Setting<IReadOnlySet<LogKind>> Enabled = new("logs.enabled", "Logs:Enabled", string.Join(',', ByLabel.Keys),
            "Comma-separated logs to follow.", text => Parsers.List(text).Select(label => ByLabel.TryGetValue(label, out var kind)
                ? kind
                : throw new FormatException($"{label} is not one of {Parsers.Choices([.. ByLabel.Keys])}")).ToHashSet());

        public static readonly Setting<bool> FromStart = new("logs.from-start", "Logs:FromStart", "false",
            "Read files that exist at start from their beginning instead of their end.", Parsers.Switch);

        public static readonly Setting<TimeZoneInfo> TimeZone = new("logs.timezone", "Logs:TimeZone", "",
            "IANA zone the logs' local timestamps are in (default: the host's).", text =>
            {
                try
                {
                    return text.Length == 0 ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(text);
                }
                catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
                {
                    throw new FormatException("is not a time zone known to this host (try an IANA name such as Europe/Berlin or UTC)");
                }
            });

        public static readonly Setting<int> MaxLineBytes = new("logs.max-line-bytes", "Logs:MaxLineBytes", "1048576",
            "Lines longer than this are skipped and counted.", Parsers.Int(1024, 64 << 20));

        public static readonly Setting<TimeSpan> PollInterval = new("logs.poll-interval", "Logs:PollInterval", "250ms",
            "How often files are checked for new lines and rotation.", Parsers.Duration("10ms", "10s"));

        public static readonly Setting<string?> PositionsFile = new("logs.positions-file", "Logs:PositionsFile", "",
            "Keep read positions in this file across restarts (default: off; see docs/configuration.md).", text =>
                text.Length == 0 ? null
                : Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(text))) ? text
                : throw new FormatException("is in a folder that does not exist")) { Kind = SettingKind.Path };

        public static IReadOnlyList<Setting> All { get; } =
            [Dir, .. LogKinds.All.Select(kind => Paths[kind]), CmixErrorFile, Enabled, FromStart, TimeZone, MaxLineBytes, PollInterval, PositionsFile];
    }

    public static LogSettings Read(SettingValues values)
    {
        string dir = values.Get(Table.Dir);
        var enabled = values.Get(Table.Enabled);
        var files = LogKinds.All.Where(enabled.Contains).Select(kind =>
            new LogFile(kind, values.Get(Table.Paths[kind]) is { Length: > 0 } path ? path : System.IO.Path.Combine(dir, kind.DefaultFileName()))).ToList();
        string? errorFile = !enabled.Contains(LogKind.Cmix) ? null
            : values.Get(Table.CmixErrorFile) is { Length: > 0 } given ? given
            : System.IO.Path.Combine(dir, "cmix-err.log");
        return new LogSettings
        {
            Files = files, FromStart = values.Get(Table.FromStart), TimeZone = values.Get(Table.TimeZone), MaxLineBytes = values.Get(Table.MaxLineBytes),
            PollInterval = values.Get(Table.PollInterval), PositionsFile = values.Get(Table.PositionsFile), CmixErrorFile = errorFile,
        };
    }
}
