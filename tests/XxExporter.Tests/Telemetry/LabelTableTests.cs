using Prometheus;
using XxExporter.Telemetry;
using XxExporter.Tests.Support;

namespace XxExporter.Tests.Telemetry;

public class LabelTableTests
{
    private enum Fruit { Apple, Pear }

    [Fact]
    public async Task The_children_and_the_help_list_come_from_the_rows_and_exist_at_0()
    {
        var table = new LabelTable<Fruit>(new(Fruit.Apple, "apple", "red or green"), new(Fruit.Pear, "pear"));
        var registry = Metrics.NewCustomRegistry();
        var family = Families.Counter(Metrics.WithCustomRegistry(registry), "test_fruit_total", $"Fruit, by kind: {table.Describe()}.", "basket", "kind");

        var children = table.Children(family, "left");
        children[(int)Fruit.Pear].Inc();

        var metrics = await Exposition.Of(registry);
        Assert.Equal(0, metrics["test_fruit_total{basket=\"left\",kind=\"apple\"}"]);
        Assert.Equal(1, metrics["test_fruit_total{basket=\"left\",kind=\"pear\"}"]);
        Assert.Contains("# HELP test_fruit_total Fruit, by kind: apple (red or green), pear.", metrics.Text);
    }

    [Fact]
    public void Rows_must_be_in_the_enum_order_and_complete()
    {
        Assert.Equal("Fruit.Apple must be row 0 of its label table",
            Assert.Throws<ArgumentException>(() => new LabelTable<Fruit>(new(Fruit.Pear, "pear"), new(Fruit.Apple, "apple"))).Message);
        Assert.Equal("Fruit has 2 values, its label table 1 rows",
            Assert.Throws<ArgumentException>(() => new LabelTable<Fruit>(new LabelValue<Fruit>(Fruit.Apple, "apple"))).Message);
    }
}
