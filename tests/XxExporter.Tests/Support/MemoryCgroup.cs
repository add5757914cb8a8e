namespace XxExporter.Tests.Support;

/// <summary>
/// A memory cgroup of the test's own, below the cgroup the test runs in, with a hard limit like the shipped unit's
/// <c>MemoryMax=</c>: a process moved into it is held to the limit (and OOM-killed past it). Works on cgroup v2
/// (memory.max, memory.events) and on the v1 memory hierarchy (memory.limit_in_bytes, memory.failcnt). Removed on dispose.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    /// <summary>The shipped systemd unit's MemoryMax (deploy/systemd).</summary>
    public const long UnitLimitBytes = 160L << 20;

    private readonly bool _v2;

    private MemoryCgroup(string path, bool v2)
    {
        Path = path;
        _v2 = v2;
    }

    /// <summary>The cgroup's folder.</summary>
    public string Path { get; }

    /// <summary>Creates a cgroup limited to <paramref name="limitBytes"/>; throws with the reason when this machine cannot.</summary>
    public static MemoryCgroup Create(long limitBytes = UnitLimitBytes)
    {
        string name = $"xx-exporter-test-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var own = File.ReadAllLines("/proc/self/cgroup").Select(line => line.Split(':', 3)).ToList();
        string? v1 = own.FirstOrDefault(f => f[1].Split(',').Contains("memory"))?[2];
        string? v2 = own.FirstOrDefault(f => f[0] == "0" && f[1].Length == 0)?[2];
        if (v1 is not null && Directory.Exists("/sys/fs/cgroup/memory"))
        {
            string path = System.IO.Path.Join("/sys/fs/cgroup/memory", v1, name);
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Join(path, "memory.limit_in_bytes"), limitBytes.ToString());
            return new MemoryCgroup(path, v2: false);
        }
        if (v2 is not null)
        {
            // On v2 a cgroup's controllers come from its parent's subtree_control, and processes may not sit in an
            // inner cgroup: the test's cgroup is a sibling of the one this test runs in, below their common parent.
            string root = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
            string parent = System.IO.Path.Join(root, System.IO.Path.GetDirectoryName(v2) ?? "/");
            File.WriteAllText(System.IO.Path.Join(parent, "cgroup.subtree_control"), "+memory");
            string path = System.IO.Path.Join(parent, name);
            Directory.CreateDirectory(path);
            File.WriteAllText(System.IO.Path.Join(path, "memory.max"), limitBytes.ToString());
            return new MemoryCgroup(path, v2: true);
        }
        throw new InvalidOperationException("no memory cgroup controller is mounted here (/proc/self/cgroup names none)");
    }

    /// <summary>Moves a running process (and the threads it starts from now on) into the cgroup.</summary>
    public void Add(int pid) => File.WriteAllText(System.IO.Path.Join(Path, "cgroup.procs"), pid.ToString());

    /// <summary>How many times a charge hit the limit (v1 memory.failcnt, v2 memory.events "max"): 0 means never pinned at the ceiling.</summary>
    public long TimesAtLimit => _v2 ? Event("max") : long.Parse(File.ReadAllText(System.IO.Path.Join(Path, "memory.failcnt")).Trim());

    /// <summary>How many processes the kernel killed in it for memory (v2 memory.events "oom_kill"; v1 memory.oom_control).</summary>
    public long OomKills => _v2 ? Event("oom_kill") : OomControl("oom_kill");

    private long Event(string name) => Field(System.IO.Path.Join(Path, "memory.events"), name);

    private long OomControl(string name) => Field(System.IO.Path.Join(Path, "memory.oom_control"), name);

    private static long Field(string file, string name) =>
        File.ReadLines(file).Select(line => line.Split(' ')).Where(f => f[0] == name).Select(f => long.Parse(f[1])).FirstOrDefault();

    public void Dispose()
    {
        // A cgroup can be removed only when empty: whatever is left (a process that outlived its test) goes back to the parent.
        try
        {
            string parentProcs = System.IO.Path.Join(System.IO.Path.GetDirectoryName(Path)!, "cgroup.procs");
            foreach (string pid in File.ReadAllLines(System.IO.Path.Join(Path, "cgroup.procs"))) File.WriteAllText(parentProcs, pid);
            Directory.Delete(Path);
        }
        catch (IOException) { }
    }
}

/// <summary>A process's memory as the kernel counts it, from /proc/&lt;pid&gt;/status.</summary>
public static class ProcMemory
{
    /// <summary>A size line of /proc/&lt;pid&gt;/status (VmRSS, VmHWM), in bytes.</summary>
    public static long Read(int pid, string field)
    {
        string line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
    }
}
