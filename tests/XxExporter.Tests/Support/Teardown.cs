namespace XxExporter.Tests.Support;

public static class Teardown
{
    /// <summary>
    /// Runs every step even when an earlier one throws (a server left running would outlive the tests), then
    /// throws what failed.
    /// </summary>
    public static async Task AllAsync(params Func<ValueTask>[] steps)
    {
        var failures = new List<Exception>();
        foreach (var step in steps)
        {
            try { await step(); }
            catch (Exception e) { failures.Add(e); }
        }
        if (failures.Count > 0) throw new AggregateException("teardown", failures);
    }
}
