using System.Text;
using XxExporter.Binaries;
using static XxSimulator.Chain.ScaleEncoder;

namespace XxSimulator.Chain;

/// <summary>
/// The binaries of a simulated host, their files, and the hashes on chain (XXCmix.CmixHashes) that the wrappers install
/// (docs/xx-node-facts.md, "Binaries behind the chain"). Every installed file is what the chain says, except
/// <paramref name="behind"/>: the chain names a newer build of it that the wrapper could not download.
/// </summary>
public sealed class SimulatedBinaries(string? behind)
{
    /// <summary>Each binary the wrappers install, its file under the install folder (as the handbook's service files place them) and the wrapper that installs it.</summary>
    public static readonly IReadOnlyList<(string Name, string File, string Wrapper)> All =
    [
        ("server", "bin/xxnetwork-cmix", "cmix"), ("fatbin", "lib/libpow.fatbin", "cmix"), ("libpow", "lib/libpowmosm75.so", "cmix"),
        ("gateway", "bin/xxnetwork-gateway", "gateway"), ("wrapper", "cmix-wrapper.py", "cmix"),
    ];

    public string? Behind => behind;

    /// <summary>Where binary <paramref name="name"/> is installed, under the install folder.</summary>
    public static string FileOf(string name) => All.Single(binary => binary.Name == name).File;

    /// <summary>The bytes of a build of a binary (1 is installed; the behind binary's chain hash is of build 2).</summary>
    private static byte[] Build(string name, int build) => Encoding.UTF8.GetBytes($"xx-simulator {name} build {build}\n");

    public static byte[] InstalledHash(string name) => Blake2s.Hash(Build(name, 1));

    public byte[] ChainHash(string name) => Blake2s.Hash(Build(name, name == behind ? 2 : 1));

    /// <summary>Writes every installed file under <paramref name="folder"/>.</summary>
    public static void Install(string folder)
    {
        foreach (var (name, file, _) in All)
        {
            string path = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Build(name, 1));
        }
    }

    /// <summary>The SCALE value of XXCmix.CmixHashes: the eight H256 fields in order, then extra = None.</summary>
    public byte[] CmixHashesValue() =>
        [.. XxExporter.Chain.CmixHashes.Fields.SelectMany(field => All.Any(b => b.Name == field) ? ChainHash(field) : Blake2s.Hash(Build(field, 1))), .. Option(null)];
}
