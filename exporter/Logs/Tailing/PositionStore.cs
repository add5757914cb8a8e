using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using XxExporter.Files;

namespace XxExporter.Logs.Tailing;

/// <summary>
/// Read positions kept across restarts in one JSON file (path → <see cref="SavedPosition"/>), written durably: a
/// temporary file flushed to disk, renamed over the old one, and the folder flushed, so a power loss leaves the old
/// file or the new one, never a torn one. Only a regular file is ever read or replaced: whatever else is at the path
/// (a device node, a FIFO, a symbolic link, a folder) is reported and left alone, and so is a regular file that is
/// not one the exporter writes. Opt-in: see docs/configuration.md, "Read positions across restarts".
/// </summary>
public sealed class PositionStore(string file)
{
    private readonly Lock _gate = new();
    private Dictionary<string, SavedPosition> _positions = new();
    private bool _dirty;

    public string File { get; } = file;

    private string Temporary => File + ".tmp";

    /// <summary>
    /// Loads the file. A missing file is an empty store; so is a corrupt one (empty, or the exporter's JSON cut short),
    /// for which the sentence to warn with is returned: losing positions costs a fresh start, not a stopped exporter.
    /// Throws <see cref="IOException"/> naming the setting for anything that is not a positions file to replace (a
    /// device node, a FIFO, a symbolic link, a folder, another program's file), or <see cref="UnauthorizedAccessException"/>.
    /// </summary>
    public string? Load()
    {
        var kind = FileStat.KindAt(File);
        if (kind == FileKind.None) return null;
        if (kind != FileKind.Regular) throw NotOurs(kind);
        byte[] content = SmallFile.ReadAllBytes(File); // the type checked again on the open handle
        try
        {
            _positions = JsonSerializer.Deserialize(content, PositionJson.Default.DictionaryStringSavedPosition) ?? new();
            return null;
        }
        catch (JsonException ex)
        {
            // Only what the exporter writes (a JSON object) or an empty file is rewritten; another program's file is kept.
            string text = Encoding.UTF8.GetString(content).TrimStart('\uFEFF').TrimStart();
            if (text.Length > 0 && text[0] != '{')
                throw new IOException($"{File} is not a positions file the exporter wrote (it does not hold a JSON object), so it is left alone: name another path or remove it");
            _positions = new();
            string where = ex.LineNumber is { } line ? $" at line {line + 1}, column {ex.BytePositionInLine + 1}" : "";
            return $"The positions file {File} is corrupt (not the JSON the exporter writes{where}); every log is read from its end, as on a first start, and the file is rewritten";
        }
    }

    private IOException NotOurs(FileKind kind, string? path = null) =>
        new($"{path ?? File} is {FileStat.Describe(kind)}, not a regular file the exporter wrote, so it is left alone and read positions are not saved: name another path or remove it");

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
        try
        {
            Write(snapshot);
        }
        catch
        {
            lock (_gate) _dirty = true; // written at the next save once the path is fixed
            throw;
        }
    }

    /// <summary>
    /// Replaces the file, if what is there is a regular file or nothing. Throws <see cref="IOException"/> naming the
    /// setting if it or its temporary file is anything else (a device node or FIFO put there since): never written over.
    /// </summary>
    private void Write(Dictionary<string, SavedPosition> snapshot)
    {
        if (FileStat.KindAt(File) is not (FileKind.None or FileKind.Regular) and var kind) throw NotOurs(kind);
        switch (FileStat.KindAt(Temporary))
        {
            case FileKind.None: break;
            case FileKind.Regular: System.IO.File.Delete(Temporary); break; // left by a save that stopped halfway
            case var other: throw NotOurs(other, Temporary);
        }
        // CreateNew (O_EXCL): never opens what was put at the temporary path meanwhile, a symbolic link included.
        using (var stream = new FileStream(Temporary, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, snapshot, PositionJson.Default.DictionaryStringSavedPosition);
            stream.Flush(flushToDisk: true);
        }
        System.IO.File.Move(Temporary, File, overwrite: true);
        FileStat.SyncFolder(Path.GetDirectoryName(Path.GetFullPath(File))!);
    }
}

[JsonSerializable(typeof(Dictionary<string, SavedPosition>))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class PositionJson : JsonSerializerContext;
