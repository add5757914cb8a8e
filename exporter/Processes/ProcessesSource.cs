using System.IO.Enumeration;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Prometheus;
using XxExporter.Binaries;
using XxExporter.Checks;
using XxExporter.Files;
using XxExporter.Settings;
using XxExporter.Telemetry;

namespace XxExporter.Processes;

/// <summary>A service whose process is looked for: its binary's path, as its wrapper runs it (argv[0]).</summary>
/// <param name="Service">The <c>service</c> label, as the wrapper's series name it.</param>
public sealed record WatchedBinary(string Service, string Path);

/// <summary>
/// The <c>processes</c> source: whether the cMix node and the gateway run, counted in the process table at each scrape.
/// The wrapper starts each binary by the path it installs it at (xxfoundation/elixxir-wrapper, wrapper.py,
/// <c>start_binary</c>: <c>subprocess.Popen([bin_path, "--config", ...])</c>, the path made absolute), so a process
/// is the service's when argv[0] in <c>/proc/PID/cmdline</c> is that path: readable for any user's process, unlike
/// <c>/proc/PID/exe</c>. Nothing else restarts a binary that exits without cmix-err.log (docs/xx-node-facts.md
/// 2.3.1), so this count is the one witness of such a death. A binary not installed here is a service this host does
/// not run: no series. A process table that is a container's own (the exporter its PID 1) cannot show the host's
/// processes: that is said, and no count is exported rather than a 0 that would page.
/// </summary>
public sealed class ProcessesSource(string procfs, IReadOnlyList<WatchedBinary> watched, IMetricFactory factory) : IScrapeSource
{
    /// <summary>Puts this source in <see cref="SourceRegistry.All"/> when the exporter loads (no list to keep by hand).</summary>
    [ModuleInitializer]
    internal static void Declare() => SourceRegistry.Declare(() => Registration);

    public static readonly Setting<string> Procfs = new("host.procfs", "Host:Procfs", "/proc",
        "Where the host's process table is mounted (proc(5)), in which the cMix and gateway processes of --binaries.paths are looked for; in a container the host's /proc mounted read-only (docker-compose.yml: /host/proc).",
        text => text.Length > 0 ? text : throw new FormatException("must name a folder (to turn the check off: --no-collector.processes)"))
    { Kind = SettingKind.Path };

    public static readonly SourceRegistration Registration = new("processes",
        "The cMix and gateway processes (xx_service_processes), found in --host.procfs by the paths of --binaries.paths (server, gateway).",
        context => For(context.Settings.Get(Procfs), BinariesSettings.Read(context.Settings).Files, context.Factory), [Procfs]);

    /// <summary>The binaries of <c>--binaries.paths</c> that are services with a process of their own, by their service label.</summary>
    private static readonly IReadOnlyDictionary<string, string> Services = new Dictionary<string, string> { ["server"] = "cmix", ["gateway"] = "gateway" };

    /// <summary>The source, if --binaries.paths names cMix's or the gateway's binary.</summary>
    public static IEnumerable<IScrapeSource> For(string procfs, IReadOnlyList<BinaryFile> binaries, IMetricFactory factory)
    {
        var watched = binaries.Where(binary => Services.ContainsKey(binary.Name)).Select(binary => new WatchedBinary(Services[binary.Name], binary.Path)).ToList();
        return watched.Count > 0 ? [new ProcessesSource(procfs, watched, factory)] : [];
    }

    /// <summary>Processes looked at, at most: far more than a node host runs; a bound on a table gone wild (a fork bomb).</summary>
    public const int MaxProcesses = 100_000;

    /// <summary>Bytes of a cmdline read: argv[0] is a path, at most PATH_MAX.</summary>
    private const int CmdlineBytes = 4096;

    private static readonly EnumerationOptions Options = new() { RecurseSubdirectories = false, IgnoreInaccessible = true, AttributesToSkip = 0 };

    private readonly Gauge _processes = Families.Gauge(factory, "xx_service_processes",
        "Processes of the service running now (zombies not counted), found by its binary's path of --binaries.paths as argv[0] in --host.procfs; absent for a binary not installed here, and while the exporter cannot see the host's processes (its log says why).",
        "service");
    private readonly byte[][] _argv0 = [.. watched.Select(binary => Encoding.UTF8.GetBytes(binary.Path))];
    private readonly byte[][] _fileNames = [.. watched.Select(binary => Encoding.UTF8.GetBytes(Path.GetFileName(binary.Path)))];

    public string Name => "processes";

    public TimeSpan Timeout => HostChecks.FileTimeout;

    public Task CollectAsync(Readings readings, CancellationToken timeout) => Task.Run(() => Read(readings), timeout);

    private void Read(Readings readings)
    {
        var installed = Enumerable.Range(0, watched.Count).Where(i => FileStat.Exists(watched[i].Path)).ToList();
        if (installed.Count == 0) return;
        if (Blindness() is { } blind)
        {
            readings.Fail(blind);
            return;
        }
        var exact = new int[watched.Count];
        var byName = new int[watched.Count];
        var runsFrom = new string?[watched.Count];
        int looked = 0, unreadable = 0;
        byte[] buffer = new byte[CmdlineBytes];
        foreach (int pid in Pids())
        {
            if (++looked > MaxProcesses)
            {
                readings.Fail($"{procfs} ({Procfs.Name}) lists more than {MaxProcesses} processes, more than are looked at: the cMix and gateway processes are not counted");
                return;
            }
            int? length;
            try
            {
                length = Read($"{pid}/cmdline", buffer);
            }
            catch (UnauthorizedAccessException)
            {
                unreadable++;
                continue;
            }
            if (length is not { } read || Match(ProcFiles.Argv0(buffer.AsSpan(0, read))) is not { } match) continue;
            var (service, isExact) = match;
            string? argv0 = isExact ? null : Encoding.UTF8.GetString(ProcFiles.Argv0(buffer.AsSpan(0, read)));
            // Its stat read after its cmdline: a process that ended in between is a zombie or gone, and not counted.
            if (ReadRunning(pid, buffer) is not { } process) continue;
            if (isExact) exact[service]++;
            else
            {
                byName[service]++;
                runsFrom[service] ??= argv0;
            }
        }
        foreach (int i in installed)
        {
            // Only the path counts: other installs on the host (a second stack, a test) have the same file names. One
            // running from elsewhere while none runs from the path is likely a path the exporter was told wrong.
            if (exact[i] == 0 && byName[i] > 0)
                readings.Notice(watched[i].Path, $"no process runs from {watched[i].Path} ({BinariesSettings.Table.Paths.Name}), but {byName[i]} from {runsFrom[i]}, not counted as {watched[i].Service}: if that is this host's {watched[i].Service}, set {BinariesSettings.Table.Paths.Name} to the path it runs from");
            readings.Set(_processes, exact[i], watched[i].Service);
        }
        if (unreadable > 0)
            readings.Notice(procfs, $"the arguments of {unreadable} of {looked} processes in {procfs} ({Procfs.Name}) may not be read (a /proc mounted with hidepid): a cMix or gateway among them is not counted");
    }

    /// <summary>
    /// Which watched binary argv[0] is: its path exactly, or only a path ending in the same file name; null if none.
    /// </summary>
    private (int Service, bool Exact)? Match(ReadOnlySpan<byte> argv0)
    {
        (int, bool)? sameName = null;
        for (int i = 0; i < _argv0.Length; i++)
        {
            if (argv0.SequenceEqual(_argv0[i])) return (i, true);
            if (argv0.EndsWith(_fileNames[i]) && argv0.Length > _fileNames[i].Length && argv0[^(_fileNames[i].Length + 1)] == (byte)'/') sameName ??= (i, false);
        }
        return sameName;
    }

    private ProcessStat? ReadRunning(int pid, byte[] buffer)
    {
        try
        {
            return Read($"{pid}/stat", buffer) is { } length && ProcFiles.ParseStat(buffer.AsSpan(0, length)) is { IsRunning: true } process ? process : null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Why the table at <see cref="procfs"/> cannot show the host's processes; null if it can.</summary>
    private string? Blindness()
    {
        string? self;
        try
        {
            self = new FileInfo(Path.Combine(procfs, "self")).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            self = null;
        }
        if (self is null)
            return $"{procfs} ({Procfs.Name}) is no process table (it has no \"self\"): the cMix and gateway processes are not counted (xx_service_processes)";
        byte[] buffer = new byte[CmdlineBytes];
        ProcessStat? pid1;
        try
        {
            pid1 = Read("1/stat", buffer) is { } length ? ProcFiles.ParseStat(buffer.AsSpan(0, length)) : null;
        }
        catch (UnauthorizedAccessException)
        {
            pid1 = null;
        }
        return ProcFiles.IsContainersOwn(self, pid1)
            ? $"{procfs} ({Procfs.Name}) shows only the exporter's own container (its PID 1 is {(self == "1" ? "the exporter" : pid1!.Value.Command)}), not the host's processes, so whether cMix and the gateway run is not known and xx_service_processes is not exported: mount the host's /proc read-only (/proc:/host/proc:ro) and set {Procfs.Name}=/host/proc, as docker-compose.yml does"
            : null;
    }

    /// <summary>The PIDs listed in the table, streamed.</summary>
    private IEnumerable<int> Pids() => new FileSystemEnumerable<int>(procfs, (ref FileSystemEntry entry) => int.Parse(entry.FileName), Options)
    {
        ShouldIncludePredicate = (ref FileSystemEntry entry) => entry.IsDirectory && entry.FileName.Length > 0 && char.IsAsciiDigit(entry.FileName[0]) && int.TryParse(entry.FileName, out _),
    };

    /// <summary>
    /// The first bytes of a file of the table into <paramref name="buffer"/>, or null if its process ended on the way
    /// (the file or folder is gone, or reading fails with ESRCH). Throws <see cref="UnauthorizedAccessException"/> if
    /// it may not be read.
    /// </summary>
    private int? Read(string relative, byte[] buffer)
    {
        try
        {
            using SafeFileHandle file = File.OpenHandle(Path.Combine(procfs, relative));
            return RandomAccess.Read(file, buffer, 0);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
