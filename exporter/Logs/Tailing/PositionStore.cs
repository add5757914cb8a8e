using System.Text.Json;
using System.Text.Json.Serialization;
using XxExporter.Files;

namespace XxExporter.Logs.Tailing;

/// <summary>
/// Read positions kept across restarts in one JSON file (path → <see cref="SavedPosition"/>), written durably: a
/// temporary file flushed to disk, renamed over the old one, and the folder flushed, so a power loss leaves the old
/// file or the new one, never a torn one. Opt-in: see docs/configuration.md, "Read positions across restarts".
/// </summary>
public sealed class PositionStore(string file)
{
    private readonly Lock _gate = new();
    private Dictionary<string, SavedPosition> _positions = new();
    private bool _dirty;

    public string File { get; } = file;

    /// <summary>
    /// Loads the file. A missing file is an empty store; so is a corrupt one (empty, cut short, not positions), for
    /// which the sentence to warn with is returned: losing positions costs a fresh start, not a stopped exporter.
    /// A file that cannot be read at all throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public string? Load()
    {
        if (!System.IO.File.Exists(File)) return null;
        using var stream = System.IO.File.OpenRead(File);
        try
        {
            _positions = JsonSerializer.Deserialize(stream, PositionJson.Default.DictionaryStringSavedPosition) ?? new();
            return null;
        }
        catch (JsonException ex)
        {
            _positions = new();
            string where = ex.LineNumber is { } line ? $" at line {line + 1}, column {ex.BytePositionInLine + 1}" : "";
            return $"The positions file {File} is corrupt (not the JSON the exporter writes{where}); every log is read from its end, as on a first start, and the file is rewritten";
        }
    }

    public SavedPosition? Get(string path)
    {
        lock (_gate) return _positions.GetValueOrDefault(path);
    }

    public void Set(string path, SavedPosition? position)
    {
        if (position is null) return;
        lock (_gate)
        {
            if (_positions.TryGetValue(path, out var known) && known.Offset == position.Offset && known.Identity == position.Identity) return;
            _positions[path] = position;
            _dirty = true;
        }
    }

    /// <summary>Writes the file if anything changed since the last save.</summary>
    public void Save()
    {
        Dictionary<string, SavedPosition> snapshot;
        lock (_gate)
        {
            if (!_dirty) return;
            snapshot = new(_positions);
            _dirty = false;
        }
        string temporary = File + ".tmp";
        using (var stream = System.IO.File.Create(temporary))
        {
            JsonSerializer.Serialize(stream, snapshot, PositionJson.Default.DictionaryStringSavedPosition);
            stream.Flush(flushToDisk: true);
        }
        System.IO.File.Move(temporary, File, overwrite: true);
        FileStat.SyncFolder(Path.GetDirectoryName(Path.GetFullPath(File))!);
    }
}

[JsonSerializable(typeof(Dictionary<string, SavedPosition>))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class PositionJson : JsonSerializerContext;
