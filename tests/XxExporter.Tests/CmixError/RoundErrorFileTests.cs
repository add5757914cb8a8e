using System.Text;
using XxExporter.CmixError;
using XxExporter.Telemetry;
using XxSimulator.Node;

namespace XxExporter.Tests.CmixError;

/// <summary>cmix-err.log as the cMix server writes it (docs/xx-node-facts.md 2.3), and what is not that.</summary>
public class RoundErrorFileTests
{
    private static RoundError? Decode(string content, out string? problem) => RoundErrorFile.TryDecode(Encoding.ASCII.GetBytes(content), out problem);

    [Fact]
    public void A_fixed_vector_decodes_field_by_field()
    {
        // Id 300 (varint ac 02), NodeId 33 bytes (32 x 0x11, type 2), Error "timed out", Signature {Nonce: 01}.
        byte[] message = [0x08, 0xac, 0x02, 0x12, 33, .. Enumerable.Repeat((byte)0x11, 32), 0x02,
            0x1a, 9, .. "timed out"u8, 0x22, 3, 0x0a, 1, 0x01];
        var error = RoundErrorFile.TryDecode(Encoding.ASCII.GetBytes(Convert.ToBase64String(message)), out string? problem);
        Assert.Null(problem);
        Assert.Equal(new RoundError(300, Convert.ToBase64String([.. Enumerable.Repeat((byte)0x11, 32), 0x02]), "timed out"), error);
    }

    [Fact]
    public void The_simulated_node_file_decodes_with_its_node_id_as_the_dashboard_shows_it()
    {
        string content = CmixErrorFile.Encode(9876543, [.. NodeIdentity.CmixId, 2], "Round 9876543 failed: phase timeout\ngoroutine 1");
        var error = Decode(content + "\n", out _)!;
        Assert.Equal(9876543UL, error.RoundId);
        Assert.Equal(NodeIdentity.Base64Id, error.NodeId);
        Assert.Equal("Round 9876543 failed: phase timeout / goroutine 1", error.Error);
    }

    [Fact]
    public void A_node_failure_has_round_zero_which_proto3_leaves_out()
    {
        var error = Decode(CmixErrorFile.Encode(0, [.. NodeIdentity.CmixId, 2], "Failed to poll permissioning"), out _)!;
        Assert.Equal(0UL, error.RoundId);
    }

    [Fact]
    public void Control_characters_are_escaped_and_long_text_is_cut_on_one_line()
    {
        var error = Decode(CmixErrorFile.Encode(1, [1, 2], "a\u0000b\u001b[31m\u202e\n\n" + new string('x', 400)), out _)!;
        Assert.Matches(@"^a\\u0000b\\u001b\[31m\\u202e / x+…#[0-9a-f]{12}$", error.Error);
        Assert.Equal(ForeignText.TextLength, error.Error.Length);
        Assert.Equal("AQI=", error.NodeId); // not a 33-byte ID: shown as it is
    }

    [Fact]
    public void A_huge_node_id_or_error_is_kept_only_as_far_as_it_is_shown_and_stays_distinct()
    {
        byte[] id = [.. Enumerable.Repeat((byte)0x42, 786_000)];
        string manyLines = string.Concat(Enumerable.Repeat("short line\n", 70_000));
        var one = Decode(CmixErrorFile.Encode(1, id, manyLines + "one"), out _)!;
        var two = Decode(CmixErrorFile.Encode(1, [.. id[..^1], 0x43], manyLines + "two"), out _)!;
        Assert.Matches("^QkJC[A-Za-z0-9+/]{110}…#[0-9a-f]{12}$", one.NodeId);
        Assert.Equal(ForeignText.LabelLength, one.NodeId!.Length);
        Assert.NotEqual(one.NodeId, two.NodeId);
        Assert.StartsWith("short line / short line / ", one.Error);
        Assert.Equal(ForeignText.TextLength, one.Error.Length);
        Assert.NotEqual(one.Error, two.Error);
    }

    public static TheoryData<string, string> BadContent => new()
    {
        { "", "is empty" },
        { "   \n", "is empty" },
        { "not base64 at all!", "is not base64 text" },
        { "Error encountered - closing server", "is not base64 text" },
        { Convert.ToBase64String([0x1a, 0x50, 0x01]), "is base64 but not a protobuf message" },              // field 3 claims 80 bytes, has 1
        { Convert.ToBase64String([0x08, 0xff, 0xff, 0xff]), "is base64 but not a protobuf message" },         // a varint that never ends
        { Convert.ToBase64String([0x0a, 0x01, 0x41, 0x1a, 0x01, 0x41]), "is protobuf whose field 1 has the wrong type for a RoundError" },
        { Convert.ToBase64String([0x08, 0x05, 0x12, 0x01, 0x02]), "is a protobuf message without the error text of a RoundError" },
    };

    [Theory]
    [MemberData(nameof(BadContent))]
    public void Garbled_content_says_why_and_gives_no_error(string content, string expected)
    {
        Assert.Null(Decode(content, out string? problem));
        Assert.Equal(expected, problem);
    }
}
