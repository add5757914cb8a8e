using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace XxExporter.Settings;

/// <summary>
/// How every YAML file the exporter reads is loaded. The files it reads (the gateway's config, the web config) are flat
/// key: value files that need no aliases, so an alias is refused where it appears: aliases used as mapping keys expand
/// (and are hashed and compared) exponentially, and a 561-byte file would burn a core for minutes. Mappings and
/// sequences nested deeper than asked are refused before YamlDotNet's node tree recurses: a file nested 100,000 deep
/// would otherwise overflow the stack and end the process unannounced.
/// </summary>
internal static class BoundedYaml
{
    /// <summary>
    /// The documents of <paramref name="text"/>. <paramref name="refuse"/> makes the exception to throw from a
    /// sentence fragment naming the problem and its line; YamlDotNet's own <see cref="YamlException"/> is thrown for
    /// invalid YAML.
    /// </summary>
    public static YamlStream Load(string text, int maxNesting, Func<string, Exception> refuse)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(text);
        yaml.Load(new RefusingParser(new Parser(reader), maxNesting, refuse));
        return yaml;
    }

    private sealed class RefusingParser(IParser parser, int maxNesting, Func<string, Exception> refuse) : IParser
    {
        private int _depth;

        public ParsingEvent? Current => parser.Current;

        public bool MoveNext()
        {
            if (!parser.MoveNext()) return false;
            switch (parser.Current)
            {
                case AnchorAlias alias:
                    throw refuse($"uses the alias *{Cut(alias.Value.Value)} at line {alias.Start.Line}: this file needs no aliases, and they are not read");
                case MappingStart or SequenceStart when ++_depth > maxNesting:
                    throw refuse($"nested deeper than {maxNesting} levels at line {parser.Current.Start.Line}");
                case MappingEnd or SequenceEnd:
                    _depth--;
                    break;
            }
            return true;
        }

        private static string Cut(string name) =>
            new(name.Take(40).Select(c => char.IsControl(c) ? '?' : c).ToArray());
    }
}
