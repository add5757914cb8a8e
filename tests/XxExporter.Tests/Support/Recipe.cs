namespace XxExporter.Tests.Support;

/// <summary>
/// The backup recipe of docs/backups.md: its fenced blocks marked <c>&lt;!-- recipe: name --&gt;</c>, read by the
/// tests that run them so that the page shows what is tested, with the page's paths replaced by the test's own.
/// </summary>
public static class Recipe
{
    /// <summary>The page's stanza: one PostgreSQL cluster holding both xx databases.</summary>
    public const string Stanza = "xx";

    private static readonly string Page = File.ReadAllText(Repository.PathOf("docs/backups.md"));

    /// <summary>The block named <paramref name="name"/>, each page text of <paramref name="substitutions"/> (which must be in it) replaced, in order.</summary>
    public static string Block(string name, params (string Page, string Here)[] substitutions)
    {
        string marker = $"<!-- recipe: {name} -->\n```";
        int start = Page.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/backups.md has no block marked {marker}");
        start = Page.IndexOf('\n', start + marker.Length) + 1;
        string block = Page[start..Page.IndexOf("```", start, StringComparison.Ordinal)];
        foreach (var (page, here) in substitutions)
        {
            Assert.True(block.Contains(page, StringComparison.Ordinal), $"docs/backups.md's {name} block no longer says {page}");
            block = block.Replace(page, here, StringComparison.Ordinal);
        }
        return block;
    }

    /// <summary>
    /// The page's pgbackrest.conf for <paramref name="server"/>, its repository and logs at the given folders, and
    /// <paramref name="global"/> (the lock and spool folders a test run may write) added to its [global] section.
    /// </summary>
    public static string PgBackRestConfig(string repository, string logs, PostgresServer server, params string[] global) =>
        Block("pgbackrest.conf",
                ("/var/lib/pgbackrest", repository), ("/var/log/pgbackrest", logs), ("/var/lib/postgresql/15/main", server.DataDir),
                ("pg1-port=5432", $"pg1-port={server.Port}\npg1-socket-path={server.Folder}"), ($"[{Stanza}]", $"[{Stanza}]"))
            .Replace("[global]\n", "[global]\n" + string.Concat(global.Select(line => line + "\n")), StringComparison.Ordinal);

    /// <summary>The page's PostgreSQL settings for archiving, as <c>name=value</c>, pgbackrest given <paramref name="config"/>.</summary>
    public static string[] PostgresSettings(string config) =>
        Block("postgresql.conf", ("'pgbackrest ", $"'pgbackrest --config={config} "))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split('=', 2) is [var setting, var value] ? $"{setting.Trim()}={value.Trim()}" : throw new FormatException(line))
            .ToArray();
}
