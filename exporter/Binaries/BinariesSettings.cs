using XxExporter.Chain;
using XxExporter.Settings;

namespace XxExporter.Binaries;

/// <summary>An installed binary whose hash is on chain.</summary>
/// <param name="Name">Its XXCmix.CmixHashes field, the <c>binary</c> label.</param>
public sealed record BinaryFile(string Name, string Path);

public sealed record BinariesSettings
{
    /// <summary>The binaries to hash; a missing file is one this host does not run.</summary>
    public required IReadOnlyList<BinaryFile> Files { get; init; }
    /// <summary>Files larger than this are not hashed.</summary>
    public required long MaxBytes { get; init; }

    public static class Table
    {
        /// <summary>
        /// Where the handbook's service files have the wrapper put each binary (xxnetwork-cmix.service and
        /// xxnetwork-gateway.service: --binary-path, --gpu-lib, --gpu-bin, and the script itself), for the node host.
        /// </summary>
        public static readonly Setting<IReadOnlyList<BinaryFile>> Paths = new("binaries.paths", "Binaries:Paths",
            "server=/opt/xxnetwork/bin/xxnetwork-cmix,gateway=/opt/xxnetwork/bin/xxnetwork-gateway,wrapper=/opt/xxnetwork/cmix-wrapper.py,libpow=/opt/xxnetwork/lib/libpowmosm75.so,fatbin=/opt/xxnetwork/lib/libpow.fatbin",
            "Installed binaries compared with XXCmix.CmixHashes on chain, field=path (server, gateway, wrapper, libpow, fatbin, ...); a missing file is not installed here; empty: none.",
            Parsers.NamedList((name, path) => CmixHashes.Fields.Contains(name)
                ? new BinaryFile(name, path)
                : throw new FormatException($"{name} is not a field of XXCmix.CmixHashes: {Parsers.Choices([.. CmixHashes.Fields])}")))
        { Kind = SettingKind.NamedPaths };

        public static readonly Setting<int> MaxMegabytes = new("binaries.max-megabytes", "Binaries:MaxMegabytes", "512",
            "Installed binaries larger than this many MiB are not hashed (each file is hashed once per change of size or modification time).",
            Parsers.Int(1, 16384));

        public static IReadOnlyList<Setting> All { get; } = [Paths, MaxMegabytes];
    }

    public static BinariesSettings Read(SettingValues values) => new() { Files = values.Get(Table.Paths), MaxBytes = values.Get(Table.MaxMegabytes) * (1L << 20) };
}
