using System.Globalization;
using System.Text.Json;
using XxSimulator.Logs;

// xx-simulator logs FOLDER [--bytes N] [--seed N] [--long-line-every N] [--long-line-bytes N] [--failure-rate R] [--idle-crash-rate R] [--invalid-bytes-rate R] [--max-line-bytes N] [--no-gateway]
// Writes a realistic log set and prints its ground truth as JSON.
if (args.Length < 2 || args[0] != "logs")
{
    Console.Error.WriteLine("usage: xx-simulator logs FOLDER [--bytes N] [--seed N] [--long-line-every N] [--long-line-bytes N] [--failure-rate R] [--idle-crash-rate R] [--invalid-bytes-rate R] [--max-line-bytes N] [--no-gateway]");
    return 2;
}
var options = new LogSetOptions();
for (int i = 2; i < args.Length; i++)
{
    options = args[i] switch
    {
        "--bytes" => options with { CmixBytes = long.Parse(args[++i]) },
        "--seed" => options with { Seed = int.Parse(args[++i]) },
        "--long-line-every" => options with { LongLineEveryRounds = int.Parse(args[++i]) },
        "--long-line-bytes" => options with { LongLineBytes = int.Parse(args[++i]) },
        "--failure-rate" => options with { RoundFailureRate = double.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--idle-crash-rate" => options with { IdleCrashRate = double.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--invalid-bytes-rate" => options with { InvalidBytesRate = double.Parse(args[++i], CultureInfo.InvariantCulture) },
        "--max-line-bytes" => options with { MaxLineBytes = int.Parse(args[++i]) },
        "--no-gateway" => options with { WithGateway = false },
        var other => throw new ArgumentException($"unknown option {other}"),
    };
}
Directory.CreateDirectory(args[1]);
var truth = LogSetGenerator.Generate(args[1], options);
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
}, new JsonSerializerOptions { WriteIndented = true }));
return 0;
