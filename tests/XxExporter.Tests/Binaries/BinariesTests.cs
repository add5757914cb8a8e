using System.Text;
using XxExporter.Binaries;
using XxExporter.Logs;
using XxExporter.Logs.Rules;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Binaries;

/// <summary>BLAKE2s as Python's hashlib computes it (the wrapper's hash), the file cache, and the wrapper's install lines.</summary>
public class BinariesTests
{
    /// <summary>Digests from Python's <c>hashlib.blake2s(data).hexdigest()</c>; "abc" is also RFC 7693's example.</summary>
    public static TheoryData<string, string> Digests => new()
    {
        { "", "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9" },
        { "abc", "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982" },
        { new string('a', 64), "651d2f5f20952eacaea2fba2f2af2bcd633e511ea2d2e4c9ae2ac0d9ffb7b252" },
    };

    [Theory]
    [MemberData(nameof(Digests))]
    public void Blake2s_matches_python(string text, string digest) =>
        Assert.Equal(digest, Convert.ToHexStringLower(Blake2s.Hash(Encoding.ASCII.GetBytes(text))));

    [Fact]
    public void Blake2s_fed_in_odd_pieces_matches_python_over_1280_bytes()
    {
        byte[] data = Enumerable.Range(0, 1280).Select(i => (byte)i).ToArray();
        var blake = new Blake2s();
        for (int at = 0; at < data.Length; at += 37) blake.Append(data.AsSpan(at, Math.Min(37, data.Length - at)));
        Assert.Equal("52ea240758fbbcd27c605dfb70ef0957c9009335d6d0a8d60d219e611ba2e23f", Convert.ToHexStringLower(blake.Finish()));
    }

    [Fact]
    public async Task A_file_is_hashed_again_only_when_it_changes_and_an_oversized_one_not_at_all()
    {
        using var folder = new TempFolder();
        string path = folder.File("xxnetwork-cmix");
        File.WriteAllText(path, "abc");
        var hashes = new FileHashes(maxBytes: 16);
        Assert.Null(hashes.Latest(path)); // hashed in the background: nothing to report yet
        var first = Assert.IsType<InstalledFile.Hashed>(await Hashed(hashes, path, previous: null));
        Assert.Equal("508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982", Convert.ToHexStringLower(first.Hash));
        Assert.Same(first, hashes.Latest(path)); // the cached result, not a new hash

        File.WriteAllText(path, "");
        Assert.Same(first, hashes.Latest(path)); // the last hash while the changed file is hashed
        var changed = Assert.IsType<InstalledFile.Hashed>(await Hashed(hashes, path, previous: first));
        Assert.Equal("69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9", Convert.ToHexStringLower(changed.Hash));

        File.WriteAllText(path, new string('x', 17));
        var big = Assert.IsType<InstalledFile.Unreadable>(hashes.Latest(path));
        Assert.Contains("--binaries.max-megabytes", big.Why);
        Assert.IsType<InstalledFile.Absent>(hashes.Latest(folder.File("not-installed")));
    }

    /// <summary>Asks until a hash other than <paramref name="previous"/> has ended (the bound only stops a hung test).</summary>
    private static async Task<InstalledFile> Hashed(FileHashes hashes, string path, InstalledFile? previous)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (hashes.Latest(path) is not { } latest || latest == previous)
        {
            Assert.True(DateTime.UtcNow < limit, $"{path} was not hashed");
            await Task.Delay(10);
        }
        return hashes.Latest(path)!;
    }

    private const string None = "0000000000000000000000000000000000000000000000000000000000000000";
    private const string V1 = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string V2 = "2222222222222222222222222222222222222222222222222222222222222222";

    /// <summary>Lines as wrapper.py formats them (docs/xx-node-facts.md, "Binaries behind the chain").</summary>
    [Fact]
    public async Task The_wrapper_log_reports_what_it_installed_and_keeps_the_old_hash_when_an_update_fails()
    {
        var installed = new InstalledHashes();
        var harness = new RulesHarness(LogKind.CmixWrapper, installed);
        var metrics = await harness.Feed(
            $"[INFO] 03-Mar-24 10:00:00: server update required: {None} -> {V1}",
            "[INFO] 03-Mar-24 10:00:05: /opt/xxnetwork/bin/xxnetwork-cmix started at PID 100",
            $"[INFO] 03-Mar-24 10:00:10: libpow update required: {None} -> {V1}",
            $"[ERROR] 03-Mar-24 10:00:11: Downloaded file /tmp/xxnetwork/cmix/libpowmosm75.so.tmp does not match provided hash. Expected {V1}, got {V2}",
            $"[INFO] 04-Mar-24 10:00:00: server update required: {V1} -> {V2}",
            $"[ERROR] 04-Mar-24 10:00:01: Unable to download server/{V2} from elixxir-bins: An error occurred (403) when calling the HeadObject operation: Forbidden",
            "Traceback (most recent call last):",
            "[ERROR] 04-Mar-24 10:00:02: Unable to download server/command.jsonl from alphanet-management-prod: timeout",
            "[ERROR] 04-Mar-24 10:00:03: Unable to verify command: module 'OpenSSL.crypto' has no attribute 'verify'",
            "[ERROR] 04-Mar-24 10:00:03: Failed to verify signature for /tmp/xxnetwork/cmix/command.jsonl!",
            "NoneType: None");
        Assert.Equal([("cmix_wrapper", "server", V1)], installed.Reported().Select(r => (r.Log, r.Binary, Convert.ToHexStringLower(r.Hash))));
        Assert.Equal(1, metrics["xx_wrapper_errors_total{service=\"cmix\",kind=\"hash_mismatch\"}"]);
        Assert.Equal(2, metrics["xx_wrapper_errors_total{service=\"cmix\",kind=\"download\"}"]);
        Assert.Equal(1, metrics["xx_wrapper_errors_total{service=\"cmix\",kind=\"signature\"}"]); // one failure, two lines
        Assert.Equal(0, metrics["xx_wrapper_errors_total{service=\"cmix\",kind=\"other\"}"]);
    }
}
