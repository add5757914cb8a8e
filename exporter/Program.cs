using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using XxExporter.Hosting;
using XxExporter.Settings;
using XxExporter.Telemetry;

try
{
    var request = CommandLine.Parse(args);
    if (request.ShowHelp) { Console.Out.Write(CommandLine.Usage()); return 0; }
    if (request.ShowVersion) { Console.Out.WriteLine($"xx-exporter {ExporterMetrics.Version}"); return 0; }
    var settings = ExporterSettings.Load(request);
    if (settings.Once)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        await OneShot.RunAsync(settings, Console.OpenStandardOutput(), loggers);
        return 0;
    }
    var app = ExporterHost.Build(settings);
    try
    {
        await app.StartAsync();
    }
    catch (Exception ex) when (ex is IOException or SocketException)
    {
        throw new SettingsException($"cannot listen on {ExporterSettings.Table.ListenAddress.Name} {settings.ListenAddress}: {ListenFailure(ex)}");
    }
    await app.WaitForShutdownAsync();
    return 0;
}
catch (SettingsException ex)
{
    Console.Error.WriteLine($"xx-exporter: {ex.Message}");
    return 2;
}

// Kestrel wraps the socket's error in "Failed to bind to address ..."; the socket error is what the user can act on.
static string ListenFailure(Exception ex)
{
    var error = ex switch
    {
        SocketException socket => socket.SocketErrorCode,
        { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } => SocketError.AddressAlreadyInUse,
        { InnerException: SocketException socket } => socket.SocketErrorCode,
        { InnerException.InnerException: SocketException socket } => socket.SocketErrorCode,
        _ => SocketError.SocketError,
    };
    return error switch
    {
        SocketError.AddressAlreadyInUse => "the port is already in use (by another program, or a second xx-exporter)",
        SocketError.AddressNotAvailable => "this host has no such address",
        SocketError.AccessDenied => "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)",
        _ => $"the address cannot be bound ({error})",
    };
}
