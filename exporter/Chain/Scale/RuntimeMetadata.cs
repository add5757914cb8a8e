namespace XxExporter.Chain.Scale;

/// <summary>A type of the runtime's portable registry (scale-info).</summary>
public abstract record TypeDef;
public sealed record CompositeDef(IReadOnlyList<FieldDef> Fields) : TypeDef;
public sealed record VariantDef(IReadOnlyList<VariantCase> Variants) : TypeDef;
public sealed record SequenceDef(int Element) : TypeDef;
public sealed record ArrayDef(int Length, int Element) : TypeDef;
public sealed record TupleDef(IReadOnlyList<int> Elements) : TypeDef;
public sealed record PrimitiveDef(Primitive Kind) : TypeDef;
public sealed record CompactDef(int Inner) : TypeDef;
public sealed record BitSequenceDef(int Store, int Order) : TypeDef;

public enum Primitive { Bool, Char, Str, U8, U16, U32, U64, U128, U256, I8, I16, I32, I64, I128, I256 }

public sealed record FieldDef(string? Name, int Type);
public sealed record VariantCase(string Name, byte Index, IReadOnlyList<FieldDef> Fields);
public sealed record RuntimeType(int Id, IReadOnlyList<string> Path, TypeDef Def);

public enum StorageHasher { Blake2_128, Blake2_256, Blake2_128Concat, Twox128, Twox256, Twox64Concat, Identity }

/// <summary>A storage item: plain (no key) or a map with one hasher per key part.</summary>
public sealed record StorageEntry(string Pallet, string Name, bool IsOptional, IReadOnlyList<StorageHasher> Hashers, int? KeyType, int ValueType, byte[] Default);

/// <summary>A pallet's constant: its type and SCALE-encoded value.</summary>
public sealed record PalletConstant(int Type, byte[] Value);

/// <summary>What the exporter needs of a runtime's metadata (V14 or V15): the type registry, the storage items and the constants.</summary>
public sealed class RuntimeMetadata(int version, IReadOnlyDictionary<int, RuntimeType> types, IReadOnlyDictionary<(string, string), StorageEntry> storage,
    IReadOnlyDictionary<(string, string), PalletConstant> constants)
{
    public int Version { get; } = version;
    public IReadOnlyDictionary<int, RuntimeType> Types { get; } = types;

    public RuntimeType Type(int id) =>
        Types.TryGetValue(id, out var type) ? type : throw new ScaleDecodeException($"metadata has no type {id}");

    public StorageEntry? FindStorage(string pallet, string name) => storage.GetValueOrDefault((pallet, name));

    public StorageEntry Storage(string pallet, string name) =>
        FindStorage(pallet, name) ?? throw new ScaleDecodeException($"the runtime has no storage item {pallet}.{name}");

    /// <summary>A pallet's constant decoded by its type, or null where the runtime has no such constant.</summary>
    public ScaleValue? Constant(string pallet, string name) =>
        constants.TryGetValue((pallet, name), out var constant) ? ScaleDecoder.Decode(this, constant.Type, constant.Value) : null;
}
