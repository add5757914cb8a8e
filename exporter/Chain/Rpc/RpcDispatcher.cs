using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace XxExporter.Chain.Rpc;

/// <summary>The calls waiting for their answer on one multiplexed connection, each completed by the message with its id.</summary>
internal sealed class RpcDispatcher(Uri endpoint, ILogger logger)
{
    private readonly ConcurrentDictionary<long, Pending> _pending = new();

    /// <summary>A call waiting for its answer.</summary>
    public sealed record Pending(string Method)
    {
        public TaskCompletionSource<JsonElement> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Pending Wait(long id, string method) => _pending[id] = new Pending(method);

    public void Forget(long id) => _pending.TryRemove(id, out _);

    /// <summary>Completes the call <paramref name="message"/> answers, if one waits for it.</summary>
    public void Dispatch(ReadOnlyMemory<byte> message)
    {
        // One pass that allocates nothing finds the id first: only an answer someone waits for is parsed, once.
        var envelope = RpcEnvelope.Read(message.Span);
        if (envelope.Ignored is { } ignored)
        {
            logger.LogDebug("Ignoring a message from {Endpoint}: {Reason}", endpoint, ignored);
            return;
        }
        if (!_pending.TryRemove(envelope.Id, out var waiting)) return;
        try
        {
            waiting.Answer.TrySetResult(RpcEnvelope.ResultOf(waiting.Method, message.Span));
        }
        catch (Exception ex) when (ex is RpcErrorException or RpcUnavailableException)
        {
            waiting.Answer.TrySetException(ex);
        }
    }

    /// <summary>Every waiting call fails with <paramref name="reason"/>: its connection is gone.</summary>
    public void FailAll(Exception reason)
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
                waiting.Answer.TrySetException(new RpcUnavailableException($"connection to {endpoint} lost: {reason.Message}", reason));
        }
    }
}
