using System.Diagnostics;

namespace XxExporter.Tests.Support;

public class MemoryCgroupTests
{
    private static Process Python(string code) =>
        Process.Start(new ProcessStartInfo("python3") { ArgumentList = { "-c", code }, RedirectStandardInput = true })!;

    [Fact]
    public async Task A_process_in_it_is_held_to_its_limit_and_one_within_it_is_not()
    {
        using var cgroup = MemoryCgroup.Create(64L << 20);
        // Each waits for a line on stdin before it allocates, so it is inside the cgroup first.
        using var small = Python("import sys; sys.stdin.readline(); x = bytearray(16 << 20); x[::4096] = b'1' * len(x[::4096])");
        cgroup.Add(small.Id);
        await small.StandardInput.WriteLineAsync();
        await small.WaitForExitAsync();
        Assert.Equal(0, small.ExitCode);
        Assert.Equal(0, cgroup.OomKills);

        using var large = Python("import sys; sys.stdin.readline(); x = bytearray(256 << 20); x[::4096] = b'1' * len(x[::4096])");
        cgroup.Add(large.Id);
        await large.StandardInput.WriteLineAsync();
        await large.WaitForExitAsync();
        Assert.NotEqual(0, large.ExitCode);
        Assert.True(cgroup.TimesAtLimit > 0);
        Assert.Equal(1, cgroup.OomKills);
    }
}
