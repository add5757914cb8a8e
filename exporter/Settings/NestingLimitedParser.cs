using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace XxExporter.Settings;

/// <summary>
/// A YAML parser that stops once mappings and sequences nest deeper than <paramref name="maxNesting"/>, before
/// YamlDotNet's node tree recurses: a file nested 100,000 deep would otherwise overflow the stack and end the process
/// unannounced. <paramref name="tooDeep"/> makes the exception to throw from the line where it happened.
/// </summary>
internal sealed class NestingLimitedParser(IParser parser, int maxNesting, Func<long, Exception> tooDeep) : IParser
{
    private int _depth;

    public ParsingEvent? Current => parser.Current;

    public bool MoveNext()
    {
        if (!parser.MoveNext()) return false;
        if (parser.Current is MappingStart or SequenceStart && ++_depth > maxNesting) throw tooDeep(parser.Current.Start.Line);
        if (parser.Current is MappingEnd or SequenceEnd) _depth--;
        return true;
    }
}
