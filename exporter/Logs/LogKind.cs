namespace XxExporter.Logs;

/// <summary>The four log files an xx node or gateway host writes.</summary>
public enum LogKind { Cmix, Gateway, CmixWrapper, GatewayWrapper }

/// <summary>Which header grammar a log is written in.</summary>
public enum LogGrammar { GoJww, PythonLogging }

public static class LogKinds
{
    /// <summary>
    /// Each log: its <c>log</c> label, its file name in the mainnet log folder (/opt/xxnetwork/log), the grammar of
    /// its headers, and the service it belongs to (a wrapper log's <c>service</c> label).
    /// </summary>
    private static readonly KindRow[] Table =
    [
        new(LogKind.Cmix, "cmix", "cmix.log", LogGrammar.GoJww, "cmix"),
        new(LogKind.Gateway, "gateway", "gateway.log", LogGrammar.GoJww, "gateway"),
        new(LogKind.CmixWrapper, "cmix_wrapper", "cmix-wrapper.log", LogGrammar.PythonLogging, "cmix"),
        new(LogKind.GatewayWrapper, "gateway_wrapper", "gateway-wrapper.log", LogGrammar.PythonLogging, "gateway"),
    ];

    public static readonly LogKind[] All = Table.Select(row => row.Kind).ToArray();

    /// <summary>The value of the <c>log</c> label.</summary>
    public static string Label(this LogKind kind) => Row(kind).Label;

    /// <summary>The file name in the mainnet log folder (/opt/xxnetwork/log).</summary>
    public static string DefaultFileName(this LogKind kind) => Row(kind).DefaultFileName;

    public static LogGrammar Grammar(this LogKind kind) => Row(kind).Grammar;

    /// <summary>The service a wrapper log belongs to (the <c>service</c> label).</summary>
    public static string Service(this LogKind kind) => Row(kind).Service;

    private static KindRow Row(LogKind kind) =>
        Array.Find(Table, row => row.Kind == kind) ?? throw new ArgumentOutOfRangeException(nameof(kind));

    private sealed record KindRow(LogKind Kind, string Label, string DefaultFileName, LogGrammar Grammar, string Service);
}
