using Prometheus;

namespace XxExporter.Telemetry;

/// <summary>One value of a label: the member the code uses, the label value, and what it means ("" if the label says it all).</summary>
public readonly record struct LabelValue<T>(T Value, string Label, string Meaning = "") where T : struct, Enum;

/// <summary>
/// A label's values and their meanings in one table per metric: the metric's children and the list in its help text
/// are built from it, so a new kind is one row. Rows are in the enum's order (checked when the table is built), so
/// <c>(int)value</c> indexes the children.
/// </summary>
public sealed class LabelTable<T> where T : struct, Enum
{
    private readonly LabelValue<T>[] _rows;

    public LabelTable(params LabelValue<T>[] rows)
    {
        var values = Enum.GetValues<T>();
        if (rows.Length != values.Length) throw new ArgumentException($"{typeof(T).Name} has {values.Length} values, its label table {rows.Length} rows");
        for (int i = 0; i < rows.Length; i++)
        {
            if (!rows[i].Value.Equals(values[i])) throw new ArgumentException($"{typeof(T).Name}.{values[i]} must be row {i} of its label table");
        }
        _rows = rows;
    }

    public IReadOnlyList<LabelValue<T>> Rows => _rows;

    /// <summary>The label value of <paramref name="value"/>.</summary>
    public string Label(T value) => _rows[Convert.ToInt32(value)].Label;

    /// <summary>The values for a help text: <c>oversized_line (over the line cap), bad_timestamp, ...</c>.</summary>
    public string Describe() => string.Join(", ", _rows.Select(row => row.Meaning.Length > 0 ? $"{row.Label} ({row.Meaning})" : row.Label));

    /// <summary>
    /// One child of <paramref name="family"/> per row, in the enum's order, each published at 0 from the start
    /// (<see cref="Families.Published{TChild}(TChild)"/>). <paramref name="leading"/> are the values of the labels
    /// before this one.
    /// </summary>
    public TChild[] Children<TChild>(Collector<TChild> family, params string[] leading) where TChild : ChildBase =>
        _rows.Select(row => family.WithLabels(leading.Append(row.Label).ToArray()).Published()).ToArray();

    /// <summary>
    /// Sets one series per row on <paramref name="readings"/>: 1 for <paramref name="current"/>, 0 for the others (a
    /// state set, so an alert can name the state and a graph can stack them). <paramref name="leading"/> are the values
    /// of the labels before this one.
    /// </summary>
    public void SetOne(Readings readings, Gauge family, T current, params string[] leading)
    {
        foreach (var row in _rows) readings.Set(family, row.Value.Equals(current), [.. leading, row.Label]);
    }
}
