using XxExporter.Tests.Support;

namespace XxExporter.Tests.Bundle;

/// <summary>demo/postgres-init.sh, run as the postgres image runs it, leaves databases the exporter reads fully.</summary>
[FullLane]
public class DemoDatabaseTests
{
    [Fact]
    public async Task The_demo_init_script_sets_up_both_databases_for_the_exporters_role()
    {
        using var server = new PostgresServer();
        var start = new System.Diagnostics.ProcessStartInfo("sh", [Repository.PathOf("demo/postgres-init.sh")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            Environment =
            {
                ["PGHOST"] = "127.0.0.1", ["PGPORT"] = server.Port.ToString(), ["PGPASSWORD"] = PostgresServer.SuperuserPassword,
                ["POSTGRES_USER"] = "postgres", ["POSTGRES_PASSWORD_FILE"] = Repository.PathOf("demo/postgres-password"),
                ["XX_GATEWAY_SCHEMA"] = Repository.PathOf("demo/gateway-schema.sql"),
            },
        };
        using (var init = Repository.Start(start))
        {
            string output = await init.StandardOutput.ReadToEndAsync() + await init.StandardError.ReadToEndAsync();
            await init.WaitForExitAsync();
            Assert.True(init.ExitCode == 0, output);
        }
        server.Execute("cmix_gateway", "INSERT INTO client_rounds (id, timestamp) VALUES (1, now())");

        var (app, address) = await ExporterTesting.StartAsync([
            "--web.listen-address", "127.0.0.1:0", "--logs.enabled", "cmix", "--logs.dir", Path.GetTempPath(), "--chain.rpc-url", "",
            "--checks.backups", "", "--checks.certificates", "", "--checks.probes", "",
            .. Database("node", server.Port), .. Database("gateway", server.Port)]);
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        var metrics = Exposition.Parse(await http.GetStringAsync("/metrics"));
        foreach (string database in new[] { "cmix_node", "cmix_gateway" })
        {
            Assert.Equal(1, metrics[$"xx_postgres_up{{database=\"{database}\"}}"]);
            Assert.Equal(1, metrics[$"xx_exporter_collector_success{{collector=\"postgres_{database}\"}}"]);
        }
        Assert.True(metrics.Has("xx_gateway_last_stored_round_timestamp_seconds{database=\"cmix_gateway\"}"), metrics.Text);
    }

    private static string[] Database(string name, int port) =>
    [
        $"--postgres.{name}.host", "127.0.0.1", $"--postgres.{name}.port", port.ToString(), $"--postgres.{name}.user", "xx_exporter",
        $"--postgres.{name}.password-file", Repository.PathOf("demo/postgres-password"), $"--postgres.{name}.sslmode", "disable",
    ];
}
