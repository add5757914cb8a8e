using System.Text;
using XxExporter.Processes;

namespace XxExporter.Tests.Processes;

/// <summary>The procfs parsers on files read from a Linux 6 host's /proc.</summary>
public sealed class ProcFilesTests
{
    // A gateway started as the wrapper starts it, a process whose comm holds ") " and spaces, the gateway as the zombie
    // its wrapper leaves when it exits (Python's Popen not polled), and a kernel thread.
    private const string Gateway = "18127 (xxnetwork-gatew) S 1 18119 2573 0 -1 4194304 137 0 0 0 0 0 0 0 20 0 1 0 2239927 2990080 407 18446744073709551615 93863945539584 93863945557513 140736150808736 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 93863945571600 93863945572864 93864575819776 140736150812915 140736150812945 140736150812945 140736150814685 0\n";
    private const string Parenthesised = "18125 (tmux: a) b) S 1 18119 2573 0 -1 4194304 136 0 0 0 0 0 0 0 20 0 1 0 2239927 2990080 391 18446744073709551615 94530142019584 94530142037513 140728480139872 0 0 0 0 6 0 1 0 0 17 1 0 0 0 0 0 94530142051600 94530142052864 94530815344640 140728480147720 140728480147743 140728480147743 140728480149476 0\n";
    private const string Zombie = "18170 (xxnetwork-gatew) Z 18128 18119 2573 0 -1 4227084 76 0 0 0 0 0 0 0 20 0 1 0 2239984 0 0 18446744073709551615 0 0 0 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    private const string KernelThread = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 1 0 0 20 0 1 0 24 0 0 18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

    public static TheoryData<string, int, string, char, bool> Stats => new()
    {
        { Gateway, 18127, "xxnetwork-gatew", 'S', true },
        { Parenthesised, 18125, "tmux: a) b", 'S', true },
        { Zombie, 18170, "xxnetwork-gatew", 'Z', false },
        { KernelThread, 2, "kthreadd", 'S', true },
    };

    [Theory]
    [MemberData(nameof(Stats))]
    public void A_stat_line_gives_the_pid_name_and_state(string line, int pid, string command, char state, bool running)
    {
        var stat = ProcFiles.ParseStat(Encoding.UTF8.GetBytes(line));

        Assert.Equal(new ProcessStat(pid, command, state), stat);
        Assert.Equal(running, stat!.Value.IsRunning);
    }

    [Theory]
    [InlineData("")]
    [InlineData("18127 xxnetwork-gatew S 1")]
    [InlineData("(xxnetwork-gatew) S 1 18119")]
    [InlineData("18127 (xxnetwork-gatew)")] // cut before the state
    [InlineData("18127 (xxnetwork-gatew) SS 1 18119 2573 0 -1 4194304 137 0 0 0 0 0 0 0 20 0 1 0 2239927 2990080")]
    [InlineData("18127 (xxnetwork-gatew) s 1 18119 2573 0 -1 4194304 137 0 0 0 0 0 0 0 20 0 1 0 2239927 2990080")]
    public void Text_that_is_no_stat_line_gives_nothing(string line) => Assert.Null(ProcFiles.ParseStat(Encoding.UTF8.GetBytes(line)));

    [Theory]
    [InlineData("/opt/xxnetwork/bin/xxnetwork-cmix\0--config\0/opt/xxnetwork/config/cmix.yaml\0", "/opt/xxnetwork/bin/xxnetwork-cmix")]
    [InlineData("/tmp/cap/xxnetwork-gateway\030\0", "/tmp/cap/xxnetwork-gateway")]
    // The wrapper itself: python runs the script named by the unit's ExecStart (its shebang), argv[0] is python.
    [InlineData("/usr/bin/python3\0/opt/xxnetwork/cmix-wrapper.py\0--s3-access-key\0", "/usr/bin/python3")]
    // A process that rewrote its arguments as one string (setproctitle).
    [InlineData("postgres: 15/main: checkpointer ", "postgres: 15/main: checkpointer ")]
    // A zombie's and a kernel thread's cmdline are empty.
    [InlineData("", "")]
    public void Argv0_is_the_first_argument(string cmdline, string argv0) =>
        Assert.Equal(argv0, Encoding.UTF8.GetString(ProcFiles.Argv0(Encoding.UTF8.GetBytes(cmdline))));

    [Fact]
    public void A_table_led_by_the_exporter_or_a_container_init_is_a_containers_own()
    {
        // This host's PID 1 (a VM's init), and a process named as Docker's init (its PID here is not 1: the name decides).
        var hostInit = ProcFiles.ParseStat("1 (process_api) S 0 0 0 0 -1 4194560 165778 364204368 0 32680 2374 16648 2434615 355022 10 -10 41 0 24 62861312 4249 18446744073709551615 1 1 0 0 0 0 0 4096 1256 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"u8);
        var dockerInit = ProcFiles.ParseStat("18455 (docker-init) S 1 18451 2573 0 -1 4194304 145 0 0 0 0 0 0 0 20 0 1 0 2241685 2990080 415 18446744073709551615 93888888909824 93888888927753 140724419096592 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 93888888941840 93888888943104 93889698193408 140724419103002 140724419103019 140724419103019 140724419104746 0\n"u8);

        Assert.False(ProcFiles.IsContainersOwn("18125", hostInit));
        Assert.True(ProcFiles.IsContainersOwn("1", hostInit));
        Assert.True(ProcFiles.IsContainersOwn("7", dockerInit));
        Assert.False(ProcFiles.IsContainersOwn("18125", null));
    }
}
