using System.Runtime.CompilerServices;

namespace XxExporter.Tests.Support;

/// <summary>
/// The exporter resolves mainnet's scheduling and authorizer names and reads /opt/xxnetwork/config/gateway.yaml by
/// default. Tests reach nothing beyond loopback: every exporter they start (in this process or as a child, which
/// inherits the environment) resolves only localhost and finds no gateway config unless its flags say otherwise.
/// </summary>
internal static class LoopbackNames
{
    [ModuleInitializer]
    internal static void Apply()
    {
        Environment.SetEnvironmentVariable("XX_EXPORTER_CHECKS__DNSNAMES", "localhost");
        // A path that is never there (an empty value would unset the variable): the config is "missing", as on a node host.
        Environment.SetEnvironmentVariable("XX_EXPORTER_CHECKS__GATEWAYCONFIG", "/nonexistent/xx-exporter-tests/gateway.yaml");
    }
}
