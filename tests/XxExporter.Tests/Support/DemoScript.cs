namespace XxExporter.Tests.Support;

/// <summary>demo/run.sh, the native demo (README.md "Try it: the demo"): the tests run the stack on what it generates.</summary>
public static class DemoScript
{
    public static string Path => Repository.PathOf("demo/run.sh");

    /// <summary>
    /// Writes <paramref name="folder"/>/prometheus and <paramref name="folder"/>/alertmanager from the shipped files for
    /// these 127.0.0.1 addresses (demo/run.sh --config-only), with <paramref name="clock"/> options such as
    /// <c>--interval-seconds 1 --compress-for</c>.
    /// </summary>
    public static async Task WriteConfigsAsync(string folder, string exporter, string alertmanager, string prometheus, string webhook,
        string site, params string[] clock)
    {
        var (code, output) = await Repository.RunAsync("bash", [Path, "--config-only", folder, "--exporter", exporter,
            "--alertmanager", alertmanager, "--prometheus", prometheus, "--webhook", webhook, "--site", site, .. clock]);
        Assert.True(code == 0, $"demo/run.sh --config-only failed:\n{output}");
    }

    /// <summary>What demo/run.sh --clock says of its clock (demo/demo.env unless <paramref name="options"/> change it).</summary>
    public static async Task<string> ClockAsync(params string[] options)
    {
        var (code, output) = await Repository.RunAsync("bash", [Path, "--clock", .. options]);
        Assert.True(code == 0, output);
        return output;
    }
}
