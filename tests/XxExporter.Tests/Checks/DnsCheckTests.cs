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
        await harness.ScrapeUntil("xx_dns_resolution_success{name=\"localhost\"}");
        var m = await harness.ScrapeUntil("xx_dns_resolution_success{name=\"scheduling.example.invalid\"}");
        AssertResult(m, "localhost", "ok");
        AssertResult(m, "scheduling.example.invalid", "not_found");
        Assert.Equal(1, m["xx_exporter_collector_success{collector=\"dns\"}"]);
        await Promtool.AssertLintClean(m.Text);

        await harness.Scrape();
        string line = Assert.Single(harness.Logs.Lines);
        Assert.Contains("dns scheduling.example.invalid: the name does not resolve (", line);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_holds_no_scrape_and_is_asked_once()
    {
        int lookups = 0;
        var silent = Silent(() => Interlocked.Increment(ref lookups));
        var harness = Harness(TimeSpan.FromMinutes(1), silent, "localhost", "auth.example.invalid");
        var m = await harness.ScrapeUntil("xx_dns_resolution_success{name=\"localhost\"}");
        await ChecksHarness.Asked(() => Volatile.Read(ref lookups), 2);
        for (int scrape = 0; scrape < 3; scrape++)
        {
            m = await harness.Scrape().WaitAsync(TimeSpan.FromSeconds(30)); // a scrape that waited for the lookup would take the minute
            AssertResult(m, "localhost", "ok");
            Assert.False(m.Has("xx_dns_resolution_success{name=\"auth.example.invalid\"}")); // no lookup has ended: nothing to report
            Assert.Equal(1, m["xx_exporter_collector_success{collector=\"dns\"}"]);
        }
        Assert.Equal(2, lookups); // each name once: the lookup under way is not started again
    }

    [Fact]
    public async Task A_lookup_that_times_out_is_reported_as_timeout_and_not_renewed_before_its_time()
    {
        int lookups = 0;
        var harness = Harness(TimeSpan.FromMilliseconds(200), Silent(() => Interlocked.Increment(ref lookups)), "localhost", "auth.example.invalid");
        await harness.ScrapeUntil("xx_dns_resolution_success{name=\"localhost\"}");
        var m = await harness.ScrapeUntil("xx_dns_resolution_success{name=\"auth.example.invalid\"}");
        for (int scrape = 0; scrape < 3; scrape++) m = await harness.Scrape();
        AssertResult(m, "localhost", "ok");
        AssertResult(m, "auth.example.invalid", "timeout");
        Assert.Equal(2, lookups); // each name once: a lookup younger than DnsCheck.ResolveEvery is reported again
        Assert.Contains("dns auth.example.invalid: no answer from the resolver within 0.2s", harness.Logs.All);
    }

    /// <summary>A resolver that knows localhost and never answers for any other name.</summary>
    private static NameResolver Silent(Action asked) => new((name, _) =>
    {
        asked();
        return name == "localhost" ? Task.FromResult(new[] { IPAddress.Loopback }) : new TaskCompletionSource<IPAddress[]>().Task;
    });

    [Fact]
    public async Task A_resolver_failure_is_its_own_result()
    {
        var failing = new NameResolver((_, _) => Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.TryAgain)));
        var harness = Harness(TimeSpan.FromSeconds(1), failing, "scheduling.example.invalid");
        AssertResult(await harness.ScrapeUntil("xx_dns_resolution_success{name=\"scheduling.example.invalid\"}"), "scheduling.example.invalid", "resolver_error");
        Assert.Contains("dns scheduling.example.invalid: the resolver failed: ", harness.Logs.All);
    }
}
