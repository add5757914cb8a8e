using XxExporter.Chain.Scale;
using static XxSimulator.Chain.ScaleEncoder;

namespace XxSimulator.Chain;

/// <summary>
/// Writes runtime metadata V14 bytes for a registry described in code, so a simulated or fake node can serve a
/// runtime the exporter has never seen (the 207 staking layout, a broken type). The inverse of the parser, written
/// from the frame-metadata layout, not from the parser.
/// </summary>
public sealed class MetadataBuilder
{
    private readonly List<byte[]> _types = new();
    private readonly List<(string Pallet, List<byte[]> Entries)> _pallets = new();
    private readonly Dictionary<string, List<byte[]>> _constants = new();

    public int U8 => Primitive(XxExporter.Chain.Scale.Primitive.U8);

    public int Primitive(Primitive kind) => Add([], [5, (byte)kind]);

    public int Composite(string path, params (string? Name, int Type)[] fields) => Add([path], [0, .. Vec(fields.Select(Field))]);

    public int Variant(string path, params (string Name, byte Index, (string? Name, int Type)[] Fields)[] cases) =>
        Add([path], [1, .. Vec(cases.Select(c => (byte[])[.. Text(c.Name), .. Vec(c.Fields.Select(Field)), c.Index, .. Compact(0)]))]);

    public int Sequence(int element) => Add([], [2, .. Compact(element)]);

    public int Array(int length, int element) => Add([], [3, .. U32((uint)length), .. Compact(element)]);

    public int Tuple(params int[] elements) => Add([], [4, .. Vec(elements.Select(e => Compact(e)))]);

    public int CompactOf(int inner) => Add([], [6, .. Compact(inner)]);

    public int Option(int inner) => Variant("Option", ("None", 0, []), ("Some", 1, [(null, inner)]));

    /// <summary>A storage item; a map's key type is the tuple of its key parts when it has several.</summary>
    public void Storage(string pallet, string item, bool optional, StorageHasher[] hashers, int? key, int value)
    {
        var entries = _pallets.FirstOrDefault(p => p.Pallet == pallet).Entries;
        if (entries is null)
        {
            entries = new List<byte[]>();
            _pallets.Add((pallet, entries));
        }
        byte[] kind = hashers.Length == 0
            ? [0, .. Compact(value)]
            : [1, .. Vec(hashers.Select(h => new[] { (byte)h })), .. Compact(key!.Value), .. Compact(value)];
        entries.Add([.. Text(item), optional ? (byte)0 : (byte)1, .. kind, .. Compact(0), .. Compact(0)]);
    }

    /// <summary>A pallet constant (a Config value such as Staking.HistoryDepth in runtime 207), SCALE-encoded.</summary>
    public void Constant(string pallet, string name, int type, byte[] value)
    {
        if (!_constants.TryGetValue(pallet, out var constants)) _constants[pallet] = constants = new List<byte[]>();
        constants.Add([.. Text(name), .. Compact(type), .. Vec(value.Select(b => new[] { b })), .. Compact(0)]);
    }

    public byte[] Build()
    {
        var pallets = _pallets.Select((p, index) => (byte[])[
            .. Text(p.Pallet),
            1, .. Text(p.Pallet), .. Vec(p.Entries),     // storage: Some { prefix, entries }
            0, 0,                                        // calls, event: None
            .. Vec(_constants.GetValueOrDefault(p.Pallet) ?? []), // constants
            0,                                           // error: None
            (byte)index]);
        return [.. "meta"u8, 14, .. Vec(_types), .. Vec(pallets), .. Compact(0), 4, .. Compact(0), .. Compact(0)];
    }

    private int Add(string[] path, byte[] def)
    {
        int id = _types.Count;
        _types.Add([.. Compact(id), .. Vec(path.Where(p => p.Length > 0).Select(Text)), .. Compact(0), .. def, .. Compact(0)]);
        return id;
    }

    private static byte[] Field((string? Name, int Type) field) =>
        [.. field.Name is null ? [(byte)0] : (byte[])[1, .. Text(field.Name)], .. Compact(field.Type), 0, .. Compact(0)];
}
