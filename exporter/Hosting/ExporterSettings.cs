using System.Collections;
using Microsoft.Extensions.Logging;
using XxExporter.Binaries;
using XxExporter.Chain;
using XxExporter.Checks;
using XxExporter.Logs;
using XxExporter.Postgres;
using XxExporter.Settings;
using XxExporter.Telemetry;
using XxExporter.Web;
using XxExporter.Web.Security;
using XxExporter.Web.Status;

namespace XxExporter.Hosting;

/// <summary>Every setting, parsed and validated at start.</summary>
public sealed record ExporterSettings
{
    public required ListenAddress ListenAddress { get; init; }
    public required string TelemetryPath { get; init; }
    public required LogLevel LogLevel { get; init; }
    public required WebConfig? WebConfig { get; init; }
    public required bool Once { get; init; }
    public required LogSettings Logs { get; init; }
    public required PostgresSettings Postgres { get; init; }
    public required ChainSettings Chain { get; init; }
    public required BinariesSettings Binaries { get; init; }
    public required ChecksSettings Checks { get; init; }
    public required StatusSettings Status { get; init; }

    /// <summary>Every setting by name, as the sources read theirs (<see cref="SourceRegistry"/>).</summary>
    public required SettingValues Values { get; init; }

    /// <summary>The one table of settings: what <c>--help</c> lists, flags, environment and settings files may set.</summary>
    public static class Table
    {
        public static readonly Setting<string?> ConfigFile = new("config.file", null, "",
            "JSON settings file (same keys as appsettings.json, which is read when this is not given).", Parsers.Optional)
        { Kind = SettingKind.Path };

        public static readonly Setting<ListenAddress> ListenAddress = new("web.listen-address", "Web:ListenAddress", ":19420",
            "Address to serve /metrics on: host:port, :port for all interfaces, [v6]:port.", Web.ListenAddress.Parse);

        public static readonly Setting<string> TelemetryPath = new("web.telemetry-path", "Web:TelemetryPath", "/metrics",
            "Path the metrics are served under.", text =>
                !text.StartsWith('/') ? throw new FormatException("must start with /")
                : Endpoints.ReservedPaths.Contains(text) ? throw new FormatException($"is one of the exporter's own pages: {string.Join(", ", Endpoints.ReservedPaths)}")
                : text);

        public static readonly Setting<WebConfig?> WebConfigFile = new("web.config.file", "Web:ConfigFile", "",
            "Exporter-toolkit web config (YAML): TLS and basic authentication for every endpoint.", text => text.Length > 0 ? WebConfigLoader.Load(text) : null)
        { Kind = SettingKind.Path };

        private static readonly Dictionary<string, LogLevel> LogLevels = new()
        {
            ["debug"] = Microsoft.Extensions.Logging.LogLevel.Debug, ["info"] = Microsoft.Extensions.Logging.LogLevel.Information,
            ["warn"] = Microsoft.Extensions.Logging.LogLevel.Warning, ["error"] = Microsoft.Extensions.Logging.LogLevel.Error,
        };

        public static readonly Setting<LogLevel> LogLevel = new("log.level", "Log:Level", "info", "Exporter's own log level: debug, info, warn, error.",
            text => LogLevels.TryGetValue(text.ToLowerInvariant(), out var level) ? level : throw new FormatException($"must be {Parsers.Choices([.. LogLevels.Keys])}"));

        public static readonly Setting<bool> Once = new("once", null, "false",
            "Read the log files from their start, print the metrics to stdout and exit.", Parsers.Switch);

        public static IReadOnlyList<Setting> All { get; } =
        [
            ConfigFile, ListenAddress, TelemetryPath, WebConfigFile, LogLevel,
            .. LogSettings.Table.All, .. PostgresSettings.Table.All, .. ChainSettings.Table.All, .. BinariesSettings.Table.All, .. ChecksSettings.Table.All, .. StatusSettings.Table.All,
            .. SourceRegistry.All.SelectMany(source => source.Settings), .. SourceRegistry.All.Select(source => source.Switch), Once,
        ];
    }

    /// <summary>The settings file read when <c>--config.file</c> is not given (if it exists).</summary>
    public static string ShippedFile => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    /// <summary>
    /// Reads the settings: flags over environment variables over the settings file over the defaults. Throws
    /// <see cref="SettingsException"/> with a one-line message; an environment variable no setting has is one.
    /// </summary>
    public static ExporterSettings Load(CommandLineRequest request)
    {
        var environment = SettingValues.EnvironmentByKey(Environment.GetEnvironmentVariables().Cast<DictionaryEntry>()
            .Select(variable => KeyValuePair.Create((string)variable.Key, (string?)variable.Value ?? "")));
        SettingValues.RefuseUnknown(environment, Table.All);
        string? file = request.Flags.TryGetValue(Table.ConfigFile, out string? given) ? Table.ConfigFile.Parse(given)
            : File.Exists(ShippedFile) ? ShippedFile
            : null;
        return Read(new SettingValues(request.Flags, environment, file is null ? new Dictionary<string, string>() : SettingsFile.Read(file, Table.All), file));
    }

    /// <summary>Parses the settings; the sources' switches too, so that an invalid one stops the start in any mode.</summary>
    public static ExporterSettings Read(SettingValues values)
    {
        foreach (var source in SourceRegistry.All) values.Get(source.Switch);
        return new()
        {
            ListenAddress = values.Get(Table.ListenAddress), TelemetryPath = values.Get(Table.TelemetryPath), LogLevel = values.Get(Table.LogLevel),
            WebConfig = values.Get(Table.WebConfigFile), Once = values.Get(Table.Once),
            Logs = LogSettings.Read(values), Postgres = PostgresSettings.Read(values), Chain = ChainSettings.Read(values),
            Binaries = BinariesSettings.Read(values), Checks = ChecksSettings.Read(values), Status = StatusSettings.Read(values), Values = values,
        };
    }
}
