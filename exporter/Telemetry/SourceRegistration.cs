using Prometheus;
using XxExporter.Settings;

namespace XxExporter.Telemetry;

/// <summary>What a source is built from: the settings (read by name), the metric registry and the host's services.</summary>
/// <param name="Services">The host's services: loggers, its lifetime (whose ApplicationStopped closes connections).</param>
public sealed record SourceContext(SettingValues Settings, IMetricFactory Factory, IServiceProvider Services)
{
    private readonly Dictionary<Type, object?> _shared = [];

    /// <summary>
    /// What several sources are built over (one connection to the chain node), made by the first that asks and
    /// given to the others.
    /// </summary>
    public T? Shared<T>(Func<SourceContext, T?> create) where T : class
    {
        if (!_shared.TryGetValue(typeof(T), out object? made)) _shared[typeof(T)] = made = create(this);
        return (T?)made;
    }
}

/// <summary>
/// One kind of scrape-time source, declared in its own file: its name, its switch <c>--collector.&lt;name&gt;</c> (on
/// by default; <c>--no-collector.&lt;name&gt;</c> turns it off), the settings only it reads, and how it is built. A
/// source whose settings leave nothing to read (an empty list or path) builds none, as if switched off. The host
/// builds every registration in <see cref="SourceRegistry.All"/> whose switch is on.
/// </summary>
/// <param name="help">What the source reads, for <c>--help</c> and docs/reference/settings.md.</param>
/// <param name="settings">Settings of its own, listed with every other setting (flags, environment, file keys).</param>
public sealed class SourceRegistration(string name, string help, Func<SourceContext, IEnumerable<IScrapeSource>> create,
    IReadOnlyList<Setting>? settings = null)
{
    public string Name { get; } = name;

    public Setting<bool> Switch { get; } = new($"collector.{name}", $"Collectors:{Pascal(name)}", "true", help, Parsers.Switch);

    public IReadOnlyList<Setting> Settings { get; } = settings ?? [];

    public IEnumerable<IScrapeSource> Create(SourceContext context) => create(context);

    /// <summary>gateway_node is GatewayNode, the form of the settings file's keys.</summary>
    private static string Pascal(string name) => string.Concat(name.Split('_').Select(word => char.ToUpperInvariant(word[0]) + word[1..]));
}

/// <summary>
/// Every kind of scrape-time source. Each declares itself from its own file with a module initializer (as
/// node_exporter's collectors do from <c>init()</c>), which NativeAOT keeps, unlike discovery by reflection. A
/// declaration hands over a delegate, so no source's statics run while the module loads; the list is made at its
/// first use, after every initializer has run, and ordered by name (a source that builds over another's connection
/// asks for it through <see cref="SourceContext.Shared{T}"/>, whatever the order).
/// </summary>
public static class SourceRegistry
{
    private static readonly List<Func<SourceRegistration>> Declared = [];
    private static readonly Lazy<IReadOnlyList<SourceRegistration>> Registrations =
        new(() => [.. Declared.Select(declare => declare()).OrderBy(source => source.Name, StringComparer.Ordinal)]);

    public static IReadOnlyList<SourceRegistration> All => Registrations.Value;

    public static void Declare(Func<SourceRegistration> registration)
    {
        if (Registrations.IsValueCreated) throw new InvalidOperationException("a source was declared after the list was made");
        Declared.Add(registration);
    }
}
