using System.Net;
using System.Net.Sockets;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>An exporter that cannot listen says so in one line and exits 2, so systemd does not restart it in a loop.</summary>
public sealed class StartFailureTests : IDisposable
{
    private readonly TempFolder _logs = new();

    public void Dispose() => _logs.Dispose();

    private Task<(int Code, string Output)> RunExporter(string listen) =>
        Repository.RunAsync(BuiltExporter.Path, "--web.listen-address", listen, "--logs.dir", _logs.Path);

    private static void AssertOneLineAndExit2(int code, string output, string line)
    {
        Assert.Equal(2, code);
        Assert.EndsWith(line + "\n", output);
        Assert.DoesNotContain("Exception", output);
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_port_in_use_is_one_line_and_exit_code_2()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var (code, output) = await RunExporter($"127.0.0.1:{port}");
        AssertOneLineAndExit2(code, output, $"xx-exporter: cannot listen on --web.listen-address 127.0.0.1:{port}: the port is already in use (by another program, or a second xx-exporter)");
    }

    [Fact]
    public async Task An_address_the_host_does_not_have_is_one_line_and_exit_code_2()
    {
        // 192.0.2.1 is reserved for documentation: no host has it, and binding to it sends nothing anywhere.
        var (code, output) = await RunExporter("192.0.2.1:19420");
        AssertOneLineAndExit2(code, output, "xx-exporter: cannot listen on --web.listen-address 192.0.2.1:19420: this host has no such address");
    }
}
