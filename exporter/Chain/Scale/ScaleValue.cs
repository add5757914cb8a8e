using System.Numerics;

namespace XxExporter.Chain.Scale;

/// <summary>
/// A value decoded by its runtime type, read by field name rather than by byte layout. Newtypes (a composite
/// with one field, such as AccountId32 or Perbill) read through to their field.
/// </summary>
public abstract record ScaleValue
{
    /// <summary>A named field of a composite (or of a newtype's inner composite).</summary>
    public virtual ScaleValue Field(string name) => throw new ScaleDecodeException($"{Describe()} has no field \"{name}\"");

    public virtual bool HasField(string name) => false;

    public virtual BigInteger Number => throw new ScaleDecodeException($"{Describe()} is not a number");

    public virtual byte[] Bytes => throw new ScaleDecodeException($"{Describe()} is not bytes");

    public virtual IReadOnlyList<ScaleValue> Items => throw new ScaleDecodeException($"{Describe()} is not a sequence");

    public virtual bool Bool => throw new ScaleDecodeException($"{Describe()} is not a bool");

    public virtual string Text => throw new ScaleDecodeException($"{Describe()} is not text");

    /// <summary>For an <c>Option</c>: the value inside <c>Some</c>, or null for <c>None</c>.</summary>
    public virtual ScaleValue? Some => throw new ScaleDecodeException($"{Describe()} is not an Option");

    /// <summary>A <c>BTreeMap</c> as (key, value) pairs.</summary>
    public IEnumerable<(ScaleValue Key, ScaleValue Value)> MapEntries =>
        Items.Select(pair => pair.Items is [var key, var value] ? (key, value) : throw new ScaleDecodeException("map entry is not a pair"));

    /// <summary>Item <paramref name="index"/> of a sequence or tuple; one the value does not have is a decode error.</summary>
    public ScaleValue Item(int index) => index >= 0 && index < Items.Count ? Items[index]
        : throw new ScaleDecodeException($"{Describe()} has no item {index}");

    public long ToInt64() => Number >= long.MinValue && Number <= long.MaxValue ? (long)Number
        : throw new ScaleDecodeException($"{Number} does not fit 64 bits");

    /// <summary>The number as a u32 (an era, a session, an index): a stored value out of that range is the node's fault, not a crash of ours.</summary>
    public uint ToUInt32() => Number >= uint.MinValue && Number <= uint.MaxValue ? (uint)Number
        : throw new ScaleDecodeException($"{Number} does not fit 32 bits");

    /// <summary>The number as a non-negative int (a page, a count).</summary>
    public int ToInt32() => Number >= 0 && Number <= int.MaxValue ? (int)Number
        : throw new ScaleDecodeException($"{Number} is not a count");

    protected virtual string Describe() => GetType().Name;

    /// <summary>A short description; sealed so records do not print every (throwing) accessor.</summary>
    public sealed override string ToString() => Describe();
}

public sealed record ScaleComposite(IReadOnlyList<(string? Name, ScaleValue Value)> Fields) : ScaleValue
{
    private ScaleValue? Single => Fields.Count == 1 ? Fields[0].Value : null;

    public override ScaleValue Field(string name)
    {
        foreach (var (fieldName, value) in Fields) if (fieldName == name) return value;
        return Single is { } inner ? inner.Field(name) : base.Field(name);
    }

    public override bool HasField(string name) => Fields.Any(f => f.Name == name) || (Single?.HasField(name) ?? false);
    public override BigInteger Number => Single?.Number ?? base.Number;
    public override byte[] Bytes => Single?.Bytes ?? base.Bytes;
    public override IReadOnlyList<ScaleValue> Items => Single is { } inner ? inner.Items : Fields.Select(f => f.Value).ToList();
    protected override string Describe() => $"composite of {Fields.Count} fields";
}

public sealed record ScaleVariant(string Name, IReadOnlyList<(string? Name, ScaleValue Value)> Fields) : ScaleValue
{
    public override ScaleValue? Some => Name switch
    {
        "None" => null,
        "Some" when Fields.Count == 1 => Fields[0].Value,
        _ => base.Some,
    };

    public override ScaleValue Field(string name)
    {
        foreach (var (fieldName, value) in Fields) if (fieldName == name) return value;
        return base.Field(name);
    }

    public override bool HasField(string name) => Fields.Any(f => f.Name == name);
    protected override string Describe() => $"variant {Name}";
}

public sealed record ScaleSequence(IReadOnlyList<ScaleValue> Values) : ScaleValue
{
    public override IReadOnlyList<ScaleValue> Items => Values;
    protected override string Describe() => $"sequence of {Values.Count}";
}

public sealed record ScaleBytes(byte[] Value) : ScaleValue
{
    public override byte[] Bytes => Value;
    public override IReadOnlyList<ScaleValue> Items => Value.Select(b => (ScaleValue)new ScaleNumber(b)).ToList();
    protected override string Describe() => $"{Value.Length} bytes";
}

public sealed record ScaleNumber(BigInteger Value) : ScaleValue
{
    public override BigInteger Number => Value;
    protected override string Describe() => $"number {Value}";
}

public sealed record ScaleBool(bool Value) : ScaleValue
{
    public override bool Bool => Value;
    protected override string Describe() => $"bool {Value}";
}

public sealed record ScaleText(string Value) : ScaleValue
{
    public override string Text => Value;
    protected override string Describe() => $"text \"{Value}\"";
}
