using System.Text;
using System.Text.RegularExpressions;
using XxExporter.Telemetry;

namespace XxExporter.Tests.Telemetry;

public class ForeignTextTests
{
    private const string Hash = "#[0-9a-f]{12}";

    /// <summary>A value and what a label shows of it: a pattern, "…" marking a cut and <see cref="Hash"/> the hash of the whole value.</summary>
    public static TheoryData<string, string> Labels => new()
    {
        { "validator", "^validator$" },
        { "", "^$" },
        { "ünïcödé ✓ 😀", "^ünïcödé ✓ 😀$" },
        { new string('v', 128), $"^v{{128}}$" },
        { new string('v', 129), $"^v{{114}}…{Hash}$" },
        { "cert\u202Egnp.pem", $@"^cert\\u202egnp\.pem{Hash}$" },
        { "a\u2066b\u2069c\u200Ed\u200Fe\u202Af", $@"^a\\u2066b\\u2069c\\u200ed\\u200fe\\u202af{Hash}$" },
        { "line\nbreak\r\tand\u001b[31m", $@"^line\\u000abreak\\u000d\\u0009and\\u001b\[31m{Hash}$" },
        { "del\u007f c1\u0085 nbsp\u00a0", $@"^del\\u007f c1\\u0085 nbsp\u00a0{Hash}$" },
        { "sep\u2028par\u2029bom\uFEFF", $@"^sep\\u2028par\\u2029bom\\ufeff{Hash}$" },
        // A cut never splits an escape or a surrogate pair: what is left of the room stays empty.
        { new string('x', 110) + "\u202E" + new string('y', 50), $@"^x{{110}}…{Hash}$" },
        { new string('x', 113) + "😀" + new string('y', 50), $"^x{{113}}…{Hash}$" },
        { new string('x', 112) + "😀" + new string('y', 50), $"^x{{112}}😀…{Hash}$" },
        { new string('\u0001', 500), $@"^(\\u0001){{19}}…{Hash}$" },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void A_label_is_shown_clean_and_short(string value, string shown)
    {
        string label = ForeignText.Label(value);
        Assert.Matches(new Regex(shown), label);
        Assert.True(label.Length <= ForeignText.LabelLength, $"{label.Length} characters");
        Assert.True(ForeignText.IsClean(label));
    }

    /// <summary>Not in the table: a theory's data cannot carry a broken surrogate (it is written as UTF-8 on the way).</summary>
    [Theory]
    [InlineData(0xD800, "lone ", " high")]
    [InlineData(0xDC00, "lone ", " low")]
    [InlineData(0xD83D, "ends high ", "")]
    public void A_broken_surrogate_is_replaced(int surrogate, string before, string after)
    {
        string label = ForeignText.Label(before + (char)surrogate + after);
        Assert.Matches(new Regex($"^{before}\uFFFD{after}{Hash}$"), label);
        Assert.True(ForeignText.IsClean(label));
    }

    [Fact]
    public void Values_sharing_their_first_characters_stay_distinct_after_the_cut()
    {
        string prefix = new('a', 200);
        var shown = new[] { prefix + "-one.pem", prefix + "-two.pem", prefix + "-one.pem\u202E" }.Select(ForeignText.Label).ToList();
        Assert.Equal(3, shown.Distinct().Count());
        Assert.Equal(ForeignText.Label(prefix + "-one.pem"), ForeignText.Label(prefix + "-one.pem")); // stable
    }

    [Fact]
    public void Escaped_text_stays_distinct_from_text_that_spells_the_escape()
    {
        Assert.NotEqual(ForeignText.Label("a\u202Eb"), ForeignText.Label("a\\u202eb"));
        Assert.Equal("a\\u202eb", ForeignText.Label("a\\u202eb")); // clean text is shown as it is
    }

    [Fact]
    public void Shown_text_is_shown_again_as_it_is()
    {
        foreach (string value in new[] { "x\u202E", new string('z', 5000), "\uD800" })
        {
            string once = ForeignText.Text(value);
            Assert.Equal(once, ForeignText.Text(once));
            Assert.Equal(once, ForeignText.Show(once, ForeignText.SentenceLength));
        }
    }

    [Theory]
    [InlineData(ForeignText.LabelLength)]
    [InlineData(ForeignText.TextLength)]
    [InlineData(ForeignText.SentenceLength)]
    public void Each_length_is_kept(int length)
    {
        Assert.Equal(new string('q', length), ForeignText.Show(new string('q', length), length));
        Assert.Equal(length, ForeignText.Show(new string('q', length + 1), length).Length);
        Assert.Equal(length, ForeignText.Show(new string('q', 3 << 20), length).Length);
    }

    /// <summary>The content of a JSON string as sent (between its quotes) and what a sentence shows of it.</summary>
    public static TheoryData<string, string> JsonStrings => new()
    {
        { "Method not found", "^Method not found$" },
        { @"tab\there \""quoted\"" back\\slash \/", @"^tab\\u0009here ""quoted"" back\\slash /" + Hash + "$" },
        { @"\u202Eevil\u0041", $@"^\\u202eevilA{Hash}$" },
        { @"pair \ud83d\ude00 ok", "^pair 😀 ok$" },
        { @"lone \ud83d end", $"^lone \uFFFD end{Hash}$" },
        { "utf8 ✓ 😀", "^utf8 ✓ 😀$" },
        { "x" + string.Concat(Enumerable.Repeat(@"\u0041", 1000)), $"^xA{{241}}…{Hash}$" },
        { new string('e', 3 << 20), $"^e{{242}}…{Hash}$" },
    };

    [Theory]
    [MemberData(nameof(JsonStrings))]
    public void A_json_string_is_decoded_only_as_far_as_it_is_shown(string raw, string shown)
    {
        string text = ForeignText.FromJson(Encoding.UTF8.GetBytes(raw), ForeignText.TextLength);
        Assert.Matches(new Regex(shown), text);
        Assert.True(text.Length <= ForeignText.TextLength);
    }

    [Fact]
    public void Json_strings_differing_only_past_the_cut_stay_distinct()
    {
        string head = new('m', 3 << 20);
        Assert.NotEqual(ForeignText.FromJson(Encoding.UTF8.GetBytes(head + "1"), ForeignText.TextLength),
            ForeignText.FromJson(Encoding.UTF8.GetBytes(head + "2"), ForeignText.TextLength));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_replaced()
    {
        string text = ForeignText.FromJson([(byte)'a', 0xFF, 0xC3, (byte)'b'], ForeignText.TextLength);
        Assert.Matches(new Regex($"^a\uFFFD\uFFFDb$"), text);
    }
}
