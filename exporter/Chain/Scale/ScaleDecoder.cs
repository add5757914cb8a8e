namespace XxExporter.Chain.Scale;

/// <summary>Decodes bytes into a <see cref="ScaleValue"/> by a type id of the runtime's registry.</summary>
public static class ScaleDecoder
{
    private const int MaxDepth = 64;          // hostile metadata could describe a cycle

    /// <summary>Decodes the whole of <paramref name="bytes"/> as type <paramref name="typeId"/>; trailing bytes are an error.</summary>
    public static ScaleValue Decode(RuntimeMetadata metadata, int typeId, ReadOnlySpan<byte> bytes)
    {
        var reader = new ScaleReader(bytes);
        // Real values take about a byte each; zero-sized types nested in hostile metadata (Vec<Vec<()>>) would turn
        // a few bytes of lengths into millions of values, so a decode may create only so many.
        int budget = 2 * bytes.Length + 1024;
        var value = Decode(metadata, typeId, ref reader, 0, ref budget);
        if (reader.Remaining != 0) throw new ScaleDecodeException($"{reader.Remaining} bytes left after decoding type {typeId}");
        return value;
    }

    private static ScaleValue Decode(RuntimeMetadata metadata, int typeId, ref ScaleReader reader, int depth, ref int budget)
    {
        if (depth > MaxDepth) throw new ScaleDecodeException("type nesting too deep");
        if (--budget < 0)
            throw new ScaleDecodeException($"more values than {reader.Position + reader.Remaining} bytes can hold: the metadata nests zero-sized types");
        var type = metadata.Type(typeId);
        switch (type.Def)
        {
            case CompositeDef composite:
                return new ScaleComposite(DecodeFields(metadata, composite.Fields, ref reader, depth, ref budget));
            case VariantDef variant:
                byte index = reader.ReadByte();
                var chosen = variant.Variants.FirstOrDefault(v => v.Index == index)
                    ?? throw new ScaleDecodeException($"variant index {index} not in type {typeId}");
                return new ScaleVariant(chosen.Name, DecodeFields(metadata, chosen.Fields, ref reader, depth, ref budget));
            case SequenceDef sequence:
                return DecodeItems(metadata, sequence.Element, reader.ReadLength(0), ref reader, depth, ref budget);
            case ArrayDef array:
                return DecodeItems(metadata, array.Element, array.Length, ref reader, depth, ref budget);
            case TupleDef tuple:
                var items = new List<ScaleValue>(tuple.Elements.Count);
                foreach (int element in tuple.Elements) items.Add(Decode(metadata, element, ref reader, depth + 1, ref budget));
                return new ScaleSequence(items);
            case PrimitiveDef primitive:
                return DecodePrimitive(primitive.Kind, ref reader);
            case CompactDef:
                return new ScaleNumber(reader.ReadCompact());
            case BitSequenceDef:
                int bits = reader.ReadCompactInt();
                return new ScaleBytes(reader.ReadBytes((bits + 7) / 8).ToArray());
            default:
                throw new ScaleDecodeException($"type {typeId} cannot be decoded");
        }
    }

    private static List<(string?, ScaleValue)> DecodeFields(RuntimeMetadata metadata, IReadOnlyList<FieldDef> fields, ref ScaleReader reader, int depth,
        ref int budget)
    {
        var values = new List<(string?, ScaleValue)>(fields.Count);
        foreach (var field in fields) values.Add((field.Name, Decode(metadata, field.Type, ref reader, depth + 1, ref budget)));
        return values;
    }

    private static ScaleValue DecodeItems(RuntimeMetadata metadata, int element, int count, ref ScaleReader reader, int depth, ref int budget)
    {
        if (metadata.Type(element).Def is PrimitiveDef { Kind: Primitive.U8 }) return new ScaleBytes(reader.ReadBytes(count).ToArray());
        var items = new List<ScaleValue>(Math.Min(count, reader.Remaining + 1));
        for (int i = 0; i < count; i++) items.Add(Decode(metadata, element, ref reader, depth + 1, ref budget));
        return new ScaleSequence(items);
    }

    private static ScaleValue DecodePrimitive(Primitive kind, ref ScaleReader reader) => kind switch
    {
        Primitive.Bool => new ScaleBool(reader.ReadBool()),
        Primitive.Char => new ScaleText(char.ConvertFromUtf32((int)reader.ReadU32())),
        Primitive.Str => new ScaleText(reader.ReadString()),
        Primitive.U8 => new ScaleNumber(reader.ReadByte()),
        Primitive.U16 => new ScaleNumber(reader.ReadU16()),
        Primitive.U32 => new ScaleNumber(reader.ReadU32()),
        Primitive.U64 => new ScaleNumber(reader.ReadU64()),
        Primitive.U128 => new ScaleNumber(reader.ReadUnsigned(16)),
        Primitive.U256 => new ScaleNumber(reader.ReadUnsigned(32)),
        Primitive.I8 => new ScaleNumber(reader.ReadSigned(1)),
        Primitive.I16 => new ScaleNumber(reader.ReadSigned(2)),
        Primitive.I32 => new ScaleNumber(reader.ReadSigned(4)),
        Primitive.I64 => new ScaleNumber(reader.ReadSigned(8)),
        Primitive.I128 => new ScaleNumber(reader.ReadSigned(16)),
        Primitive.I256 => new ScaleNumber(reader.ReadSigned(32)),
        _ => throw new ScaleDecodeException($"primitive {kind}"),
    };
}
