using System.Globalization;
using System.Text;

namespace XxExporter.Processes;

/// <summary>What <c>/proc/PID/stat</c> says of a process.</summary>
/// <param name="Command">The kernel's name of the process (comm: the executable's file name, cut to 15 bytes).</param>
/// <param name="State">R, S, D, ... ; Z (a zombie: exited, not yet reaped by its parent), X (dead).</param>
public readonly record struct ProcessStat(int Pid, string Command, char State)
{
    /// <summary>
    /// A process that has not exited. The wrapper never reaps the binary it started (xxfoundation/elixxir-wrapper,
    /// wrapper.py: it polls its Popen only when it restarts or updates), so a dead cMix or gateway stays in the table
    /// as its wrapper's zombie.
    /// </summary>
    public bool IsRunning => State is not ('Z' or 'X' or 'x');
}

/// <summary>The files of procfs the processes source reads, parsed apart from reading them (proc(5)).</summary>
public static class ProcFiles
{
    /// <summary>
    /// argv[0] of <c>/proc/PID/cmdline</c> (the arguments, each ended by a NUL): the bytes before the first NUL, or
    /// all of them if the process rewrote its arguments as one string. Empty for a kernel thread or a zombie.
    /// </summary>
    public static ReadOnlySpan<byte> Argv0(ReadOnlySpan<byte> cmdline)
    {
        int end = cmdline.IndexOf((byte)0);
        return end >= 0 ? cmdline[..end] : cmdline;
    }

    /// <summary>
    /// <c>/proc/PID/stat</c>: <c>pid (comm) state ppid ...</c>. comm may hold spaces and parentheses, so it ends at the
    /// last <c>)</c>. Null for text that is not such a line.
    /// </summary>
    public static ProcessStat? ParseStat(ReadOnlySpan<byte> content)
    {
        int open = content.IndexOf((byte)'('), close = content.LastIndexOf((byte)')');
        if (open < 1 || close < open || !int.TryParse(content[..open].Trim((byte)' '), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            return null;
        var fields = content[(close + 1)..];
        // " S 1 ...": the state, one letter between spaces.
        return fields is [(byte)' ', var state, (byte)' ', ..] && (char.IsAsciiLetterUpper((char)state) || state == (byte)'x')
            ? new ProcessStat(pid, Encoding.UTF8.GetString(content[(open + 1)..close]), (char)state)
            : null;
    }

    /// <summary>
    /// The init processes container engines run as PID 1 (docker run --init, compose's init: true, podman --init,
    /// Kubernetes images): a process table led by one of these is a container's own.
    /// </summary>
    public static readonly IReadOnlySet<string> ContainerInits = new HashSet<string>(StringComparer.Ordinal) { "docker-init", "tini", "dumb-init", "catatonit" };

    /// <summary>
    /// Whether a procfs shows only a container's own processes: <paramref name="self"/> is the <c>self</c> link in it
    /// (the exporter's PID as that table numbers it), <paramref name="pid1"/> its PID 1's stat. The host's table is led
    /// by its init (systemd); a container's by the exporter itself or by a container init.
    /// </summary>
    public static bool IsContainersOwn(string self, ProcessStat? pid1) =>
        self == "1" || pid1 is { } init && ContainerInits.Contains(init.Command);
}
