namespace XxExporter.Logs;

/// <summary>The four log files an xx node or gateway host writes.</summary>
public enum LogKind { Cmix, Gateway, CmixWrapper, GatewayWrapper }

/// <summary>Which header grammar a log is written in.</summary>
public enum LogGrammar { GoJww, PythonLogging }

public static class LogKinds
{
    public static readonly LogKind[] All = [LogKind.Cmix, LogKind.Gateway, LogKind.CmixWrapper, LogKind.GatewayWrapper];

    /// <summary>The value of the <c>log</c> label.</summary>
    public static string Label(this LogKind kind) => kind switch
    {
        LogKind.Cmix => "cmix",
        LogKind.Gateway => "gateway",
        LogKind.CmixWrapper => "cmix_wrapper",
        LogKind.GatewayWrapper => "gateway_wrapper",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>The file name in the mainnet log folder (/opt/xxnetwork/log).</summary>
    public static string DefaultFileName(this LogKind kind) => kind switch
    {
        LogKind.Cmix => "cmix.log",
        LogKind.Gateway => "gateway.log",
        LogKind.CmixWrapper => "cmix-wrapper.log",
        LogKind.GatewayWrapper => "gateway-wrapper.log",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static LogGrammar Grammar(this LogKind kind) =>
        kind is LogKind.Cmix or LogKind.Gateway ? LogGrammar.GoJww : LogGrammar.PythonLogging;

    /// <summary>The service a wrapper log belongs to (the <c>service</c> label).</summary>
    public static string Service(this LogKind kind) =>
        kind is LogKind.Cmix or LogKind.CmixWrapper ? "cmix" : "gateway";
}
