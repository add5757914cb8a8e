using System.Text.Json;
using System.Text.Json.Serialization;
using XxExporter.Files;

namespace XxExporter.Logs.Tailing;

/// <summary>
/// Read positions kept across restarts in one JSON file (path → <see cref="SavedPosition"/>), written
/// atomically (temporary file, then rename). Opt-in: see README "Read positions across restarts".
/// </summary>
public sealed class PositionStore(string file)
{
    private readonly Lock _gate = new();
    private Dictionary<string, SavedPosition> _positions = new();
    private bool _dirty;

    public string File { get; } = file;

    /// <summary>Loads the file; a missing file is an empty store, an unreadable one an error.</summary>
    public void Load()
    {
        if (!System.IO.File.Exists(File)) return;
        try
        {
            using var stream = System.IO.File.OpenRead(File);
            _positions = JsonSerializer.Deserialize(stream, PositionJson.Default.DictionaryStringSavedPosition) ?? new();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"positions file {File} is not valid JSON: {ex.Message}", ex);
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
            JsonSerializer.Serialize(stream, snapshot, PositionJson.Default.DictionaryStringSavedPosition);
        System.IO.File.Move(temporary, File, overwrite: true);
    }
}

[JsonSerializable(typeof(Dictionary<string, SavedPosition>))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class PositionJson : JsonSerializerContext;
