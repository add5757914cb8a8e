using System.Text;
using XxExporter.Chain.Rpc;
using XxExporter.Telemetry;

namespace XxExporter.Tests.Chain;

/// <summary>How an answer's error is read: its message cut as it is read, by the rule for foreign text.</summary>
public class RpcEnvelopeTests
{
    private static RpcErrorException ErrorOf(string answer) =>
        Assert.Throws<RpcErrorException>(() => RpcEnvelope.ResultOf("system_health", Encoding.UTF8.GetBytes(answer)));

    public static TheoryData<string, int, string> Errors => new()
    {
        { """{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}""", -32601, "^system_health: Method not found \\(code -32601\\)$" },
        { """{"id":1,"error":{"message":"bad \u202e\u001b[2J","code":-32000}}""", -32000, @"^system_health: bad \\u202e\\u001b\[2J#[0-9a-f]{12} \(code -32000\)$" },
        { $$$"""{"id":1,"error":{"code":1,"message":"{{{new string('m', 3 << 20)}}}","data":"{{{new string('d', 1 << 20)}}}"}}""", 1, "^system_health: m{242}…#[0-9a-f]{12} \\(code 1\\)$" },
        { """{"id":1,"error":{"code":"x","message":7}}""", 0, "^system_health: error \\(code 0\\)$" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void An_error_is_read_with_its_message_cut(string answer, int code, string message)
    {
        var error = ErrorOf(answer);
        Assert.Equal(code, error.Code);
        Assert.Matches(message, error.Message);
    }

    [Fact]
    public void Errors_differing_only_past_the_cut_stay_distinct()
    {
        string head = new('m', 3 << 20);
        Assert.NotEqual(ErrorOf($$$"""{"id":1,"error":{"code":1,"message":"{{{head}}}1"}}""").Message, ErrorOf($$$"""{"id":1,"error":{"code":1,"message":"{{{head}}}2"}}""").Message);
    }

    [Fact]
    public void An_error_that_is_no_object_is_no_answer()
    {
        var ex = Assert.Throws<RpcUnavailableException>(() => RpcEnvelope.ResultOf("system_health", """{"id":1,"error":"text"}"""u8));
        Assert.Contains("neither result nor error", ex.Message);
    }

    [Fact]
    public void An_id_that_is_not_ours_is_quoted_cut()
    {
        var envelope = RpcEnvelope.Read(Encoding.UTF8.GetBytes($$$"""{"id":"{{{new string('i', 1 << 20)}}}"}"""));
        Assert.True(envelope.Ignored!.Length < ForeignText.TextLength + 40, envelope.Ignored);
    }
}
