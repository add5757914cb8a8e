namespace XxExporter.Tests.Support;

public static class AlertmanagerProcess
{
    /// <summary>
    /// prometheus-alertmanager on 127.0.0.1, without clustering, running <paramref name="config"/> (a copy of the
    /// shipped alertmanager.yml with what a test changes) beside the shipped templates, all in <paramref name="folder"/>.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string folder, string config)
    {
        File.WriteAllText(Path.Combine(folder, "alertmanager.yml"), config);
        string templates = Directory.CreateDirectory(Path.Combine(folder, "templates")).FullName;
        foreach (string template in Directory.GetFiles(Repository.PathOf("alertmanager/templates")))
            File.Copy(template, Path.Combine(templates, Path.GetFileName(template)));
        return RunAsync(folder);
    }

    /// <summary>
    /// prometheus-alertmanager on 127.0.0.1:<paramref name="port"/> (a free port when 0), without clustering, running
    /// the alertmanager.yml and templates/ already in <paramref name="folder"/>.
    /// </summary>
    public static Task<ServerProcess> RunAsync(string folder, int port = 0) =>
        ServerProcess.StartAsync("prometheus-alertmanager", folder, port =>
        [
            $"--config.file={folder}/alertmanager.yml", $"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",   // no gossip on 0.0.0.0:9094
            $"--storage.path={folder}/data", "--log.level=info",
        ], port: port);
}
