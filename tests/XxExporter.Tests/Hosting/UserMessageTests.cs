using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Hosting;

/// <summary>What the real binary tells a user is sentences, never .NET resource keys such as Cryptography_Der_Invalid_Encoding.</summary>
public sealed partial class UserMessageTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();


    private static void AssertSentences(string output)
    {
        Assert.False(ResourceKey().IsMatch(output), $"a resource key reached the user: {ResourceKey().Match(output).Value}\n{output}");
        Assert.DoesNotContain("   at ", output);
    }

    [Fact]
    public async Task A_malformed_certificate_in_the_web_config_is_a_sentence()
    {
        File.WriteAllText(_folder.File("server.crt"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        File.WriteAllText(_folder.File("server.key"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        File.WriteAllText(_folder.File("web.yml"), "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
        var (code, output) = await Repository.RunAsync(BuiltExporter.Path, "--web.config.file", _folder.File("web.yml"), "--logs.dir", _folder.Path);
        Assert.Equal(2, code);
        Assert.Contains("server.crt", output);
        AssertSentences(output);
    }

    [Fact]
    public async Task A_malformed_settings_file_is_a_sentence_with_its_name_and_position()
    {
        File.WriteAllText(_folder.File("settings.json"), "{\n  \"Web\": { \"ListenAddress\" ::19420 }\n}\n");
        var (code, output) = await Repository.RunAsync(BuiltExporter.Path, "--config.file", _folder.File("settings.json"));
        Assert.Equal(2, code);
        Assert.Contains($"{_folder.File("settings.json")} is not valid JSON at line 2", output);
        AssertSentences(output);
    }

    [FullLane]
    [Fact]
    public async Task Tls_to_a_plain_port_and_a_log_that_cannot_be_read_are_logged_as_sentences()
    {
        // A listener that answers TLS's ClientHello with plain text, as a chain node without TLS would.
        using var plain = new TcpListener(IPAddress.Loopback, 0);
        plain.Start();
        int chainPort = ((IPEndPoint)plain.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            for (int i = 0; i < 20; i++)
            {
                using var client = await plain.AcceptTcpClientAsync();
                await client.GetStream().WriteAsync("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"u8.ToArray());
            }
        });
        Directory.CreateDirectory(_folder.File("cmix.log"));   // a folder where the log should be: cannot be read as a file
        await using var exporter = await ServerProcess.StartAsync(BuiltExporter.Path, _folder.Path, port =>
            ["--web.listen-address", $"127.0.0.1:{port}", "--logs.dir", _folder.Path, "--chain.rpc-url", $"wss://127.0.0.1:{chainPort}",
             "--chain.timeout", "2s"], readyPath: "/-/healthy");
        var waited = Stopwatch.StartNew();
        // The chain's own line: the staking collector's "since the chain node is not answering" may come first.
        while (!exporter.Log.Contains($"wss://127.0.0.1:{chainPort}/ is not answering") && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await exporter.Http.GetStringAsync("/metrics");
            await Task.Delay(200);
        }
        Assert.Contains($"wss://127.0.0.1:{chainPort}/ is not answering", exporter.Log);
        Assert.Contains("cmix.log", exporter.Log);
        AssertSentences(exporter.Log);
    }

    /// <summary>Word_Word keys (Cryptography_Der_Invalid_Encoding, UnauthorizedAccess_IODenied_Path, IO_FileNotFound) and net_* ones.</summary>
    [GeneratedRegex(@"\b(?:[A-Z][a-z][A-Za-z0-9]*_[A-Za-z0-9_]+|IO_[A-Za-z_]+|net_[a-z_]+)\b")]
    private static partial Regex ResourceKey();
}
