namespace XxExporter.Settings;

/// <summary>
/// Settings the exporter cannot start with: the message is the one line the user sees, naming the flag, key or
/// file and the cause (the exporter exits with code 2).
/// </summary>
public sealed class SettingsException(string message) : Exception(message);
