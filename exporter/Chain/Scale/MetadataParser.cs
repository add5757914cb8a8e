namespace XxExporter.Chain.Scale;

/// <summary>
/// Parses <c>state_getMetadata</c> bytes: the "meta" magic, a version byte, then RuntimeMetadataV14 or V15
/// (frame-metadata). Only types, storage and constants are kept; calls, events, errors and the rest are skipped by type.
/// </summary>
public static class MetadataParser
{
    private const uint Magic = 0x6174656d; // "meta", little-endian

    public static RuntimeMetadata Parse(ReadOnlySpan<byte> bytes)
    {
        var reader = new ScaleReader(bytes);
        if (reader.ReadU32() != Magic) throw new ScaleDecodeException("metadata does not start with \"meta\"");
        int version = reader.ReadByte();
        if (version is not (14 or 15)) throw new ScaleDecodeException($"metadata version {version} is not supported (14 or 15)");

        var types = new Dictionary<int, RuntimeType>();
        foreach (var type in reader.ReadVector(ReadType)) types[type.Id] = type;

        var storage = new Dictionary<(string, string), StorageEntry>();
        var constants = new Dictionary<(string, string), (int Type, byte[] Value)>();
        int pallets = reader.ReadLength();
        for (int p = 0; p < pallets; p++)
        {
            string pallet = reader.ReadString();
            if (reader.ReadBool())
            {
                string prefix = reader.ReadString();
                int entries = reader.ReadLength();
                for (int e = 0; e < entries; e++)
                {
                    var entry = ReadStorageEntry(ref reader, prefix);
                    storage[(entry.Pallet, entry.Name)] = entry;
                }
            }
            if (reader.ReadBool()) reader.ReadCompact(); // calls
            if (reader.ReadBool()) reader.ReadCompact(); // event
            int constantCount = reader.ReadLength();
            for (int c = 0; c < constantCount; c++)
            {
                string name = reader.ReadString();
                int type = reader.ReadCompactInt();
                constants[(pallet, name)] = (type, reader.ReadBytes(reader.ReadLength()).ToArray());
                SkipDocs(ref reader);
            }
            if (reader.ReadBool()) reader.ReadCompact(); // error
            reader.ReadByte(); // index
            if (version >= 15) SkipDocs(ref reader);
        }
        // The extrinsic, runtime type and (V15) APIs and outer enums follow; nothing there is needed.
        return new RuntimeMetadata(version, types, storage, constants);
    }

    private static RuntimeType ReadType(ref ScaleReader reader)
    {
        int id = reader.ReadCompactInt();
        var path = reader.ReadVector((ref ScaleReader r) => r.ReadString());
        int parameters = reader.ReadLength();
        for (int i = 0; i < parameters; i++)
        {
            reader.ReadString();
            if (reader.ReadBool()) reader.ReadCompact();
        }
        var def = ReadTypeDef(ref reader);
        SkipDocs(ref reader);
        return new RuntimeType(id, path, def);
    }

    private static TypeDef ReadTypeDef(ref ScaleReader reader)
    {
        byte tag = reader.ReadByte();
        return tag switch
        {
            0 => new CompositeDef(reader.ReadVector(ReadField)),
            1 => new VariantDef(reader.ReadVector(ReadVariant)),
            2 => new SequenceDef(reader.ReadCompactInt()),
            3 => new ArrayDef(checked((int)reader.ReadU32()), reader.ReadCompactInt()),
            4 => new TupleDef(reader.ReadVector((ref ScaleReader r) => r.ReadCompactInt())),
            5 => new PrimitiveDef(reader.ReadByte() is var p && p <= (byte)Primitive.I256 ? (Primitive)p
                : throw new ScaleDecodeException($"unknown primitive {p}")),
            6 => new CompactDef(reader.ReadCompactInt()),
            7 => new BitSequenceDef(reader.ReadCompactInt(), reader.ReadCompactInt()),
            _ => throw new ScaleDecodeException($"unknown type definition tag {tag}"),
        };
    }

    private static FieldDef ReadField(ref ScaleReader reader)
    {
        string? name = reader.ReadBool() ? reader.ReadString() : null;
        int type = reader.ReadCompactInt();
        if (reader.ReadBool()) reader.ReadString(); // type name
        SkipDocs(ref reader);
        return new FieldDef(name, type);
    }

    private static VariantCase ReadVariant(ref ScaleReader reader)
    {
        string name = reader.ReadString();
        var fields = reader.ReadVector(ReadField);
        byte index = reader.ReadByte();
        SkipDocs(ref reader);
        return new VariantCase(name, index, fields);
    }

    private static StorageEntry ReadStorageEntry(ref ScaleReader reader, string pallet)
    {
        string name = reader.ReadString();
        bool optional = reader.ReadByte() == 0; // modifier: 0 Optional, 1 Default
        byte kind = reader.ReadByte();
        IReadOnlyList<StorageHasher> hashers = [];
        int? keyType = null;
        int valueType;
        if (kind == 0)
        {
            valueType = reader.ReadCompactInt();
        }
        else if (kind == 1)
        {
            hashers = reader.ReadVector((ref ScaleReader r) => r.ReadByte() is var h && h <= (byte)StorageHasher.Identity
                ? (StorageHasher)h : throw new ScaleDecodeException($"unknown hasher {h}"));
            keyType = reader.ReadCompactInt();
            valueType = reader.ReadCompactInt();
        }
        else
        {
            throw new ScaleDecodeException($"unknown storage entry kind {kind}");
        }
        byte[] fallback = reader.ReadBytes(reader.ReadLength()).ToArray();
        SkipDocs(ref reader);
        return new StorageEntry(pallet, name, optional, hashers, keyType, valueType, fallback);
    }

    private static void SkipDocs(ref ScaleReader reader)
    {
        int lines = reader.ReadLength();
        for (int i = 0; i < lines; i++) reader.ReadBytes(reader.ReadLength());
    }
}
