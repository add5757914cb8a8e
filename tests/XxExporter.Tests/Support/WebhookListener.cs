using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace XxExporter.Tests.Support;

/// <summary>
/// An HTTP server on 127.0.0.1 that records every POST body by path and answers 200: Alertmanager's receivers (or
/// another status: a remote write store that rejects every batch).
/// </summary>
public sealed class WebhookListener : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Path, string Body, DateTimeOffset Arrived)> _received = new();

    private WebhookListener(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single().TrimEnd('/');

    public static async Task<WebhookListener> StartAsync(int status = StatusCodes.Status200OK)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var listener = new WebhookListener(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var arrived = DateTimeOffset.UtcNow;
            listener._received.Enqueue((context.Request.Path.Value ?? "", await reader.ReadToEndAsync(), arrived));
            context.Response.StatusCode = status;
        });
        await app.StartAsync();
        return listener;
    }

    public List<string> Received(string path) => _received.Where(r => r.Path == path).Select(r => r.Body).ToList();

    /// <summary>The bodies that arrived on <paramref name="path"/>, each with when its request came in.</summary>
    public List<(string Body, DateTimeOffset Arrived)> ReceivedWithTimes(string path) =>
        _received.Where(r => r.Path == path).Select(r => (r.Body, r.Arrived)).ToList();

    /// <summary>Waits until at least <paramref name="count"/> bodies arrived on <paramref name="path"/>.</summary>
    public async Task<List<string>> WaitFor(string path, int count, TimeSpan limit)
    {
        var waited = Stopwatch.StartNew();
        while (Received(path).Count < count && waited.Elapsed < limit) await Task.Delay(50);
        var received = Received(path);
        Assert.True(received.Count >= count, $"{received.Count} of {count} notifications on {path} within {limit}");
        return received;
    }

    public async ValueTask DisposeAsync()
    {
        using (var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(500))) await _app.StopAsync(quick.Token);
        await _app.DisposeAsync();
    }
}
