using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using XxSimulator.Logs;
using XxSimulator.Node;

// xx-simulator logs FOLDER [...]: writes a realistic log set and prints its ground truth as JSON.
// xx-simulator node --logs DIR [...]: runs a simulated xx node (live logs and chain JSON-RPC) until stopped.
const string LogsUsage = "usage: xx-simulator logs FOLDER [--bytes N] [--seed N] [--long-line-every N] [--long-line-bytes N] [--failure-rate R] [--idle-crash-rate R] [--invalid-bytes-rate R] [--max-line-bytes N] [--no-gateway] [--gateway-isolated] [--cmix-left-down]";
switch (args.FirstOrDefault())
{
    case "--help" or "-h" or "help":
        Console.Out.WriteLine(LogsUsage);
        Console.Out.WriteLine(NodeCommandLine.Usage);
        return 0;
    case "logs" when args.Length >= 2:
        return WriteLogSet(args[1], args[2..]);
    case "node":
        SimulatedNodeOptions options;
        try
        {
            options = NodeCommandLine.Parse(args[1..]);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"xx-simulator node: {ex.Message}");
            Console.Error.WriteLine(NodeCommandLine.Usage);
            return 2;
        }
        try
        {
            return await RunNodeAsync(options);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            Console.Error.WriteLine($"xx-simulator node: {ex.Message}");
            return 1;
        }
    default:
        Console.Error.WriteLine(LogsUsage);
        Console.Error.WriteLine(NodeCommandLine.Usage);
        return 2;
}

static int WriteLogSet(string folder, string[] flags)
{
    var options = new LogSetOptions();
    for (int i = 0; i < flags.Length; i++)
    {
        options = flags[i] switch
        {
            "--bytes" => options with { CmixBytes = long.Parse(flags[++i]) },
            "--seed" => options with { Seed = int.Parse(flags[++i]) },
            "--long-line-every" => options with { LongLineEveryRounds = int.Parse(flags[++i]) },
            "--long-line-bytes" => options with { LongLineBytes = int.Parse(flags[++i]) },
            "--failure-rate" => options with { RoundFailureRate = double.Parse(flags[++i], CultureInfo.InvariantCulture) },
            "--idle-crash-rate" => options with { IdleCrashRate = double.Parse(flags[++i], CultureInfo.InvariantCulture) },
            "--invalid-bytes-rate" => options with { InvalidBytesRate = double.Parse(flags[++i], CultureInfo.InvariantCulture) },
            "--max-line-bytes" => options with { MaxLineBytes = int.Parse(flags[++i]) },
            "--no-gateway" => options with { WithGateway = false },
            "--gateway-isolated" => options with { GatewayIsolated = true },
            "--cmix-left-down" => options with { CmixLeftDown = true },
            var other => throw new ArgumentException($"unknown option {other}"),
        };
    }
    Directory.CreateDirectory(folder);
    var truth = LogSetGenerator.Generate(folder, options);
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        truth.Bytes,
        Lines = truth.Lines,
        Records = truth.Records.ToDictionary(r => $"{r.Key.Log}/{r.Key.Level}", r => r.Value),
        truth.RoundsCompleted,
        truth.RoundFailures,
        truth.CmixCrashes,
        truth.CmixStarts,
        truth.WrapperRestarts,
        truth.GatewayLocalRounds,
        truth.GatewayGossipRounds,
    }, new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

static async Task<int> RunNodeAsync(SimulatedNodeOptions options)
{
    using var stop = new CancellationTokenSource();
    void Stop(PosixSignalContext context)
    {
        context.Cancel = true; // stop cleanly here instead of the runtime's default exit
        stop.Cancel();
    }
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    await using var node = await SimulatedNode.StartAsync(options, stop.Token);
    Console.WriteLine($"xx-simulator node: {options.Scenario.ToString().ToLowerInvariant()} validator, stash {node.Stash}");
    Console.WriteLine($"xx-simulator node: chain JSON-RPC on {node.RpcUrl} and {node.HttpUrl}, eras of {options.EraLength.TotalSeconds:0.###} s");
    Console.WriteLine($"xx-simulator node: logs in {Path.GetFullPath(options.LogFolder)}"
        + (options.CredFolder is { } cred ? $", IDF in {Path.Combine(Path.GetFullPath(cred), "cmix-IDF.json")}" : ""));
    // Runs until a signal, or until writing the logs or backups fails (thrown by the dispose above, after it closed all).
    await Task.WhenAny(node.Completion, Task.Delay(Timeout.Infinite, stop.Token));
    Console.WriteLine("xx-simulator node: stopping");
    return 0;
}
