using System.Text.Json;

namespace XxExporter.Chain.Rpc;

/// <summary>
/// An RPC method that only some series need (the node's sync target, peer id, roles and keystore). A node that
/// refuses it (unsafe), lacks it, answers it with an error or with something that is not its answer
/// (<see cref="MalformedAnswerException"/>, from the call or from <paramref name="parse"/>) leaves out those series
/// alone: the call says why in one sentence for the log, and the method is not asked again on that connection. A
/// node that does not answer at all fails the read, as any call does.
/// </summary>
/// <param name="series">What is left out without the method, as the sentence names it.</param>
/// <param name="oncePerConnection">Its answer is kept for the connection's life (what a node changes only by restarting).</param>
public sealed class OptionalMethod<T>(ChainConnection rpc, string method, string series, Func<JsonElement, T> parse, bool oncePerConnection = false)
{
    private ((int, int) Connection, OptionalAnswer<T> Answer)? _kept;

    /// <summary>The answer, or none with why (also put in <paramref name="leftOut"/> by method, for the log).</summary>
    public async Task<OptionalAnswer<T>> CallAsync(RpcParam[] parameters, IDictionary<string, string> leftOut, CancellationToken token)
    {
        var connection = rpc.Current;
        var answer = _kept is { } kept && kept.Connection == connection ? kept.Answer : await AskAsync(parameters, token);
        if (!answer.Answered || oncePerConnection) _kept = (connection, answer);
        if (answer.LeftOutBecause is { } why) leftOut[method] = why;
        return answer;
    }

    private async Task<OptionalAnswer<T>> AskAsync(RpcParam[] parameters, CancellationToken token)
    {
        try
        {
            return new OptionalAnswer<T>(true, parse(await rpc.CallAsync(method, parameters, token)), null);
        }
        catch (RpcErrorException ex)
        {
            return new OptionalAnswer<T>(false, default, ex.Refusal(rpc.Endpoint, series));
        }
        catch (MalformedAnswerException ex)
        {
            return new OptionalAnswer<T>(false, default,
                $"The chain node at {rpc.Endpoint} answers {method} with something that is not its answer ({ex.Message}): {series} is left out until it reconnects");
        }
    }
}

/// <summary>What an <see cref="OptionalMethod{T}"/> got: its answer, or why its series are left out.</summary>
public readonly record struct OptionalAnswer<T>(bool Answered, T? Value, string? LeftOutBecause);
