using XxExporter.Web.Security;

namespace XxExporter.Tests.Web;

/// <summary>bcrypt that counts its runs: how a test sees whether a check was answered from the cache.</summary>
public sealed class CountedBcrypt
{
    private long _checks;

    public long Checks => Interlocked.Read(ref _checks);

    public bool Verify(string password, string hash)
    {
        Interlocked.Increment(ref _checks);
        return BasicAuthenticator.Bcrypt(password, hash);
    }
}
