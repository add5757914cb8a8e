using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>
/// A program the exporter runs to read what only that tool can tell (<c>pgbackrest info</c>, <c>restic snapshots</c>).
/// Run directly, never through a shell, with the exporter's own user and environment plus <paramref name="Environment"/>.
/// </summary>
/// <param name="Name">The <c>command</c> label of its failures: a fixed word, never the arguments (which may name files).</param>
/// <param name="Limit">How long it may run; it is killed, with everything it started, after that.</param>
/// <param name="MaxOutputBytes">The most of its standard output read; more is a failure and kills it.</param>
/// <param name="Environment">Variables added for it (a password file's path, never a password).</param>
public sealed record ToolRun(string Name, string Program, IReadOnlyList<string> Arguments, TimeSpan Limit, int MaxOutputBytes,
    IReadOnlyDictionary<string, string>? Environment = null)
{
    public override string ToString() => Program + " " + string.Join(' ', Arguments);
}

/// <summary>How a run ended: <see cref="Output"/> when it exited 0, else <see cref="Failure"/> and <see cref="Message"/>.</summary>
/// <param name="Output">Standard output as text (<see cref="ExternalCommands.RunAsync"/>), or null.</param>
/// <param name="Failure">A fixed word for the <c>reason</c> label: not_found, timed_out, output_too_large or exit_code.</param>
/// <param name="Message">A sentence naming the program and the cause, with the tool's own last words on standard error.</param>
/// <param name="Bytes">Standard output as it was written (<see cref="ExternalCommands.RunForBytesAsync"/>: a tar that
/// <c>restic dump</c> writes), or null.</param>
public sealed record CommandResult(string? Output, string? Failure, string? Message, byte[]? Bytes = null)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Runs external programs for the sources, bounded in time and output, and counts every failure in
/// <c>xx_exporter_command_failures_total{command, reason}</c>. Standard input is closed at once, so a tool that would
/// ask for a password reads end-of-file instead of waiting forever. One per exporter
/// (<see cref="SourceContext.Shared{T}"/>).
/// </summary>
public sealed class ExternalCommands(IMetricFactory factory)
{
    /// <summary>The most of a tool's standard error kept for its message (its last lines say why it failed).</summary>
    private const int ErrorTailChars = 4096;

    /// <summary>The exporter's one runner, made by the first source that asks.</summary>
    public static ExternalCommands Of(SourceContext context) => context.Shared(made => new ExternalCommands(made.Factory))!;

    private readonly Counter _failures = Families.Counter(factory, "xx_exporter_command_failures_total",
        "Runs of an external program (pgbackrest, restic) that failed: not found, timed out, too much output, or an exit code other than 0.",
        "command", "reason");

    /// <summary>Runs the tool for its output as UTF-8 text (JSON, mostly).</summary>
    public async Task<CommandResult> RunAsync(ToolRun command, CancellationToken cancel)
    {
        var result = await RunForBytesAsync(command, cancel);
        return result.Bytes is { } bytes ? new CommandResult(Encoding.UTF8.GetString(bytes), null, null) : result;
    }

    /// <summary>Runs the tool for its output as bytes, for output that is no text (an archive).</summary>
    public async Task<CommandResult> RunForBytesAsync(ToolRun command, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (string argument in command.Arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in command.Environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            return Failed(command, "not_found", $"{command.Program} could not be started ({ex.Message}): is it installed, on the PATH and executable by this user?");
        }
        process.StandardInput.Close();

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        limit.CancelAfter(command.Limit);
        var error = ReadTailAsync(process.StandardError);
        try
        {
            var (output, tooLarge) = await ReadBoundedAsync(process.StandardOutput.BaseStream, command.MaxOutputBytes, limit.Token);
            if (tooLarge)
            {
                Kill(process);
                return Failed(command, "output_too_large", $"{command.Name}: {command.Program} wrote more than {command.MaxOutputBytes} bytes, more than is read; it was stopped.");
            }
            await process.WaitForExitAsync(limit.Token);
            string tail = await error;
            return process.ExitCode == 0
                ? new CommandResult(null, null, null, output)
                : Failed(command, "exit_code", $"{command.Name}: {command.Program} exited with code {process.ExitCode}" + (tail.Length > 0 ? $": {tail}" : "."));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            Kill(process);
            return Failed(command, "timed_out", $"{command.Name}: {command.Program} did not finish within {command.Limit.TotalSeconds:0.#} s; it was stopped.");
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
    }

    private CommandResult Failed(ToolRun command, string reason, string message)
    {
        _failures.WithLabels(command.Name, reason).Inc();
        return new CommandResult(null, reason, ForeignText.Show(message, ForeignText.SentenceLength));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
    }

    /// <summary>Standard output up to <paramref name="maxBytes"/> bytes.</summary>
    private static async Task<(byte[] Output, bool TooLarge)> ReadBoundedAsync(Stream stream, int maxBytes, CancellationToken cancel)
    {
        using var output = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel)) > 0)
        {
            if (output.Length + read > maxBytes) return ([], true);
            output.Write(buffer, 0, read);
        }
        return (output.ToArray(), false);
    }

    /// <summary>The last lines of standard error, read to its end so the tool never blocks on a full pipe.</summary>
    private static async Task<string> ReadTailAsync(StreamReader reader)
    {
        var tail = new StringBuilder();
        var buffer = new char[4096];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            tail.Append(buffer, 0, read);
            if (tail.Length > 2 * ErrorTailChars) tail.Remove(0, tail.Length - ErrorTailChars);
        }
        string text = tail.Length > ErrorTailChars ? tail.ToString()[^ErrorTailChars..] : tail.ToString();
        // Its lines on one line of ours.
        return string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }
}
