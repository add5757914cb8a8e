using System.Net;
using XxExporter.Checks;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Checks;

/// <summary>The names a host needs resolved: localhost, names under the reserved .invalid, and a stand-in resolver.</summary>
public sealed class DnsCheckTests
{
    private static ChecksHarness Harness(TimeSpan timeout, NameResolver? resolver, params string[] names) =>
        new(ChecksHarness.Off with { DnsNames = names, DnsTimeout = timeout }, resolver);

    private static void AssertResult(Exposition m, string name, string result)
    {
        foreach (string each in new[] { "ok", "not_found", "resolver_error", "timeout" })
            Assert.Equal(each == result ? 1 : 0, m[$"xx_dns_resolution_result{{name=\"{name}\",result=\"{each}\"}}"]);
        Assert.Equal(result == "ok" ? 1 : 0, m[$"xx_dns_resolution_success{{name=\"{name}\"}}"]);
    }

    [Fact]
    public async Task A_name_that_resolves_and_one_that_does_not()
    {
        var harness = Harness(TimeSpan.FromSeconds(5), null, "localhost", "scheduling.example.invalid");
        var m = await harness.Scrape();
        AssertResult(m, "localhost", "ok");
        AssertResult(m, "scheduling.example.invalid", "not_found");
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"dns\"}"]);
        await Promtool.AssertLintClean(m.Text);

        await harness.Scrape();
        string line = Assert.Single(harness.Logs.Lines);
        Assert.Contains("dns scheduling.example.invalid: the name does not resolve (", line);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_gives_timeout_within_the_deadline()
    {
        int lookups = 0;
        var silent = new NameResolver((name, _) =>
        {
            Interlocked.Increment(ref lookups);
            return name == "localhost" ? Task.FromResult(new[] { IPAddress.Loopback }) : new TaskCompletionSource<IPAddress[]>().Task;
        });
        var harness = Harness(TimeSpan.FromMilliseconds(200), silent, "localhost", "auth.example.invalid");
        for (int scrape = 0; scrape < 3; scrape++)
        {
            var m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(30)); // a bound against hanging the suite, not a timing claim
            AssertResult(m, "localhost", "ok");
            AssertResult(m, "auth.example.invalid", "timeout");
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"dns\"}"]);
        }
        Assert.Equal(2, lookups); // each name once: a lookup younger than DnsCheck.ResolveEvery is reported again
        Assert.Contains("dns auth.example.invalid: no answer from the resolver within 0.2s", harness.Logs.All);
    }

    [Fact]
    public async Task A_resolver_failure_is_its_own_result()
    {
        var failing = new NameResolver((_, _) => Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TryAgain)));
        var harness = Harness(TimeSpan.FromSeconds(1), failing, "scheduling.example.invalid");
        AssertResult(await harness.Scrape(), "scheduling.example.invalid", "resolver_error");
        Assert.Contains("dns scheduling.example.invalid: the resolver failed: ", harness.Logs.All);
    }
}
