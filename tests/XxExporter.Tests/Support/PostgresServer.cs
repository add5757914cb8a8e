using System.Diagnostics;
using Npgsql;

namespace XxExporter.Tests.Support;

/// <summary>
/// A throwaway PostgreSQL 15 cluster on a free 127.0.0.1 port: initdb into a temp folder, started with
/// pg_ctl, password (SCRAM) logins over TCP, stopped and deleted on dispose. PostgreSQL refuses to run as
/// root, so as root the server runs as the <c>postgres</c> user (CI runs as root).
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string SuperuserPassword = "superuser-pw-for-tests";
    private static readonly string Bin = FindBin();
    private readonly TempFolder _folder = new();
    private readonly string _options;
    private readonly string? _clock;

    public PostgresServer(params string[] settings) : this(false, settings) { }

    /// <param name="movableClock">
    /// The server's wall clock (now(), xact_start) runs <see cref="ClockAhead"/> of the machine's, by libfaketime
    /// (apt-get install faketime), which reads the offset from a file each second; its monotonic clock, by which it
    /// times its waits, is left alone.
    /// </param>
    public PostgresServer(bool movableClock, params string[] settings)
    {
        Lanes.ServerStarting("PostgreSQL");
        Port = Loopback.FreePort();
        bool root = Environment.UserName == "root";
        if (root) Run("chown", "postgres:postgres", _folder.Path);
        File.WriteAllText(_folder.File("pw"), SuperuserPassword);
        if (root) Run("chown", "postgres:postgres", _folder.File("pw"));
        RunServerTool("initdb", "-D", DataDir, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
            $"--pwfile={_folder.File("pw")}", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");
        _options = Options(settings);
        if (movableClock)
        {
            _clock = _folder.File("clock");
            ClockAhead = TimeSpan.Zero;
        }
        Start();
    }

    /// <summary>How far ahead of the machine's the server's wall clock is (a server started with a movable clock).</summary>
    public TimeSpan ClockAhead
    {
        set => File.WriteAllText(_clock ?? throw new InvalidOperationException("the server's clock is not movable"), $"+{value.TotalSeconds:0}");
    }

    /// <summary>
    /// A hot standby of <paramref name="primary"/> (which needs <c>wal_level=replica</c>, the default): its base backup,
    /// streaming the primary's WAL (pg_basebackup -R), run as a server of its own on another port.
    /// </summary>
    public PostgresServer(PostgresServer primary)
    {
        Lanes.ServerStarting("PostgreSQL");
        Port = Loopback.FreePort();
        if (Environment.UserName == "root") Run("chown", "postgres:postgres", _folder.Path);
        RunServerTool("pg_basebackup", "-h", "127.0.0.1", "-p", primary.Port.ToString(), "-U", "postgres", "-D", DataDir,
            "-R", "-X", "stream", "-c", "fast");
        // The primary's -c settings are not in the copy: the standby runs with the defaults (no WAL archiving).
        _options = Options([]);
        Start();
    }

    private string Options(IEnumerable<string> settings) =>
        string.Join(' ', new[] { $"-p {Port}", "-c listen_addresses=127.0.0.1", $"-k {_folder.Path}", "-c fsync=off" }
            .Concat(settings.Select(s => $"-c {s}")));

    public int Port { get; }

    public string DataDir => _folder.File("data");

    public string Folder => _folder.Path;

    public string ConnectionString(string database = "postgres", string user = "postgres", string password = SuperuserPassword) =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Database = database, Username = user, Password = password, Pooling = false }
            .ConnectionString;

    public void Start() => RunServerTool(_clock is null ? [] : FakeClock(_clock), "pg_ctl", "-D", DataDir, "-l", _folder.File("server.log"), "-w", "-o", _options, "start");

    private static Dictionary<string, string> FakeClock(string offsetFile)
    {
        string library = Directory.GetDirectories("/usr/lib").Select(d => Path.Combine(d, "faketime", "libfaketimeMT.so.1")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("libfaketime not found under /usr/lib (apt-get install faketime)");
        return new()
        {
            ["LD_PRELOAD"] = library, ["FAKETIME_TIMESTAMP_FILE"] = offsetFile, ["FAKETIME_CACHE_DURATION"] = "1",
            ["FAKETIME_DONT_FAKE_MONOTONIC"] = "1",
        };
    }

    /// <summary>Stops like a crash (no shutdown checkpoint, connections cut).</summary>
    public void Kill() => RunServerTool("pg_ctl", "-D", DataDir, "-m", "immediate", "-w", "stop");

    /// <summary>Runs SQL as the superuser, statement by statement.</summary>
    public void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public T Scalar<T>(string database, string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString(database));
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        return (T)command.ExecuteScalar()!;
    }

    public void Dispose()
    {
        try { Kill(); }
        catch (InvalidOperationException) { } // already stopped
        _folder.Dispose();
    }

    private void RunServerTool(string tool, params string[] args) => RunServerTool([], tool, args);

    private void RunServerTool(Dictionary<string, string> environment, string tool, params string[] args)
    {
        string path = Path.Combine(Bin, tool);
        if (Environment.UserName == "root") Run(environment, "runuser", ["-u", "postgres", "--", path, .. args]);
        else Run(environment, path, args);
    }

    private static void Run(string program, params string[] args) => Run([], program, args);

    private static void Run(Dictionary<string, string> environment, string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        // pg_basebackup logs in to the primary over TCP as the superuser.
        start.Environment["PGPASSWORD"] = SuperuserPassword;
        foreach (var (name, value) in environment) start.Environment[name] = value;
        foreach (string arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(60_000)) throw new TimeoutException($"{program} did not finish");
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed: {output}");
    }

    private static string FindBin()
    {
        const string root = "/usr/lib/postgresql";
        string? newest = Directory.Exists(root)
            ? Directory.GetDirectories(root).Where(d => File.Exists(Path.Combine(d, "bin", "initdb"))).OrderBy(d => d).LastOrDefault()
            : null;
        return newest is null
            ? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)")
            : Path.Combine(newest, "bin");
    }
}
