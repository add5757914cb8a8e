using System.Globalization;
using System.Net;
using XxSimulator.Chain;

namespace XxSimulator.Node;

/// <summary>The options of <c>xx-simulator node</c>.</summary>
public static class NodeCommandLine
{
    public const string Usage =
        "usage: xx-simulator node --logs DIR [--listen HOST:PORT] [--cred DIR] [--backups DIR] [--config DIR [--gateway-node-address HOST:PORT]] [--gateway-database CONNSTR [--gateway-database-password-file FILE]] [--era-seconds N] [--scenario healthy|troubled] [--session-keys held|missing|refused] [--role authority|full] [--peer-id ID] [--seed N] [--round-seconds N] [--install DIR [--binary-behind server|fatbin|libpow|gateway|wrapper]] [--cmix-down-after N] [--cmix-exit-after N] [--gateway-exit-after N] [--gateway-isolated-after N] [--chain-stall-after N] [--chain-started-before N] [--waiting-era K] [--long-era K:N] [--blocks-authored usual|none] [--payee-change-after N] [--network-stall-after N] [--wrapper-waiting-after N] [--wrapper-chain-lost-after N] [--wrapper-restarting-after N] [--gateway-renewal-failing-after N]";

    /// <summary>The options after the command name; throws <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static SimulatedNodeOptions Parse(IReadOnlyList<string> args)
    {
        string? logs = null;
        var options = new SimulatedNodeOptions { LogFolder = "" };
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            string value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            switch (name)
            {
                case "--logs": logs = value; break;
                case "--cred": options = options with { CredFolder = value }; break;
                case "--backups": options = options with { BackupFolder = value }; break;
                case "--install": options = options with { InstallFolder = value }; break;
                case "--binary-behind":
                    options = options with { BinaryBehind = SimulatedBinaries.All.Any(b => b.Name == value) ? value
                        : throw new ArgumentException($"--binary-behind {value}: expected one of {string.Join(", ", SimulatedBinaries.All.Select(b => b.Name))}") };
                    break;
                case "--config": options = options with { ConfigFolder = value }; break;
                case "--gateway-node-address": options = options with { GatewayNodeAddress = value }; break;
                case "--gateway-database": options = options with { GatewayDatabase = value }; break;
                case "--gateway-database-password-file": options = options with { GatewayDatabasePasswordFile = value }; break;
                case "--listen":
                    options = options with { Listen = IPEndPoint.TryParse(value, out var listen) && value.Contains(':') ? listen : throw new ArgumentException($"--listen {value}: expected HOST:PORT, e.g. 127.0.0.1:9944") };
                    break;
                case "--era-seconds": options = options with { EraLength = Seconds(name, value) }; break;
                case "--round-seconds": options = options with { RoundInterval = Seconds(name, value) }; break;
                case "--cmix-down-after": options = options with { CmixDownAfter = Seconds(name, value) }; break;
                case "--cmix-exit-after": options = options with { CmixExitAfter = Seconds(name, value) }; break;
                case "--gateway-exit-after": options = options with { GatewayExitAfter = Seconds(name, value) }; break;
                case "--gateway-isolated-after": options = options with { GatewayIsolatedAfter = Seconds(name, value) }; break;
                case "--chain-stall-after": options = options with { ChainStallAfter = Seconds(name, value) }; break;
                case "--chain-started-before": options = options with { ChainStartedBefore = Seconds(name, value) }; break;
                case "--peer-id": options = options with { PeerId = value }; break;
                case "--payee-change-after": options = options with { PayeeChangedAfter = Seconds(name, value) }; break;
                case "--network-stall-after": options = options with { NetworkStalledAfter = Seconds(name, value) }; break;
                case "--wrapper-waiting-after": options = options with { WrapperWaitingAfter = Seconds(name, value) }; break;
                case "--wrapper-chain-lost-after": options = options with { WrapperChainLostAfter = Seconds(name, value) }; break;
                case "--wrapper-restarting-after": options = options with { WrapperRestartingAfter = Seconds(name, value) }; break;
                case "--gateway-renewal-failing-after": options = options with { GatewayRenewalFailingAfter = Seconds(name, value) }; break;
                case "--blocks-authored":
                    options = options with { NoBlocksAuthored = value switch
                    {
                        "usual" => false,
                        "none" => true,
                        _ => throw new ArgumentException($"--blocks-authored {value}: expected usual or none"),
                    } };
                    break;
                case "--long-era":
                    options = options with { LongEra = value.Split(':') is [var longEra, var seconds] && uint.TryParse(longEra, NumberStyles.None, CultureInfo.InvariantCulture, out uint k)
                        ? (k, Seconds(name, seconds))
                        : throw new ArgumentException($"--long-era {value}: expected K:N, era K (counted from the start) lasting N seconds, e.g. 1:225") };
                    break;
                case "--waiting-era":
                    options = options with { WaitingEra = uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint waiting) ? waiting
                        : throw new ArgumentException($"--waiting-era {value}: expected an era counted from the start (0 is the era active at start)") };
                    break;
                case "--seed":
                    options = options with { Seed = int.TryParse(value, CultureInfo.InvariantCulture, out int seed) ? seed : throw new ArgumentException($"--seed {value}: not an integer") };
                    break;
                case "--scenario":
                    options = options with { Scenario = value switch
                    {
                        "healthy" => Scenario.Healthy,
                        "troubled" => Scenario.Troubled,
                        _ => throw new ArgumentException($"--scenario {value}: expected healthy or troubled"),
                    } };
                    break;
                case "--session-keys":
                    options = options with { SessionKeys = value switch
                    {
                        "held" => SessionKeysOnNode.Held,
                        "missing" => SessionKeysOnNode.Missing,
                        "refused" => SessionKeysOnNode.Refused,
                        _ => throw new ArgumentException($"--session-keys {value}: expected held, missing or refused"),
                    } };
                    break;
                case "--role":
                    options = options with { Role = value switch
                    {
                        "authority" => "Authority",
                        "full" => "Full",
                        _ => throw new ArgumentException($"--role {value}: expected authority or full"),
                    } };
                    break;
                default: throw new ArgumentException($"unknown option {name}");
            }
        }
        if (options.WaitingEra is not null && options.Scenario != Scenario.Healthy)
            throw new ArgumentException("--waiting-era is for the healthy scenario: the troubled one waits every fourth era of its own");
        return options with { LogFolder = logs ?? throw new ArgumentException("--logs DIR is required") };
    }

    private static TimeSpan Seconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds > 0 && seconds < 1e6
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} {value}: expected a positive number of seconds");
}
