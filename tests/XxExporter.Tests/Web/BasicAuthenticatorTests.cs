using System.Text;
using XxExporter.Web.Security;

namespace XxExporter.Tests.Web;

public class BasicAuthenticatorTests
{
    private static readonly Dictionary<string, string> Users = new()
    {
        ["prometheus"] = WebConfigLoaderTests.HtpasswdHash,
        ["bob"] = "$2y$04$jwnTxyJ.OTpEGI9oGgxPTehFDgZzZEmy2psTebqmwzd/hmjUx2YQ2", // htpasswd -nbBC 4 bob 'pässwörd'
    };

    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Fact]
    public async Task Hashes_made_by_htpasswd_check_out()
    {
        var auth = new BasicAuthenticator(Users);
        Assert.True(await auth.CheckAsync("prometheus", WebConfigLoaderTests.HtpasswdPassword));
        Assert.True(await auth.CheckAsync("bob", "pässwörd")); // UTF-8, as curl and Prometheus send it
        Assert.False(await auth.CheckAsync("bob", "passwort"));
        Assert.False(await auth.CheckAsync("Prometheus", WebConfigLoaderTests.HtpasswdPassword)); // names are case-sensitive
    }

    [Fact]
    public async Task A_success_is_cached_while_it_is_used_and_nothing_else_is()
    {
        var clock = new ManualClock();
        var auth = new BasicAuthenticator(Users, clock, TimeSpan.FromMinutes(5));

        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(1, auth.BcryptChecks);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(1, auth.BcryptChecks); // from the cache

        // A wrong password is checked with bcrypt every time, and does not evict the right one.
        Assert.False(await auth.CheckAsync("bob", "wrong"));
        Assert.False(await auth.CheckAsync("bob", "wrong"));
        Assert.Equal(3, auth.BcryptChecks);
        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(3, auth.BcryptChecks);

        // Each use renews it: 8 minutes after the bcrypt check, 4 after the last use, still cached.
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(3, auth.BcryptChecks);

        // Unused for its duration: bcrypt again, then cached again.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(4, auth.BcryptChecks);
        Assert.True(await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(4, auth.BcryptChecks);
    }

    [Fact]
    public async Task A_cached_password_is_not_valid_for_another_user()
    {
        var users = new Dictionary<string, string> { ["a"] = BCrypt.Net.BCrypt.HashPassword("same", 4), ["b"] = BCrypt.Net.BCrypt.HashPassword("other", 4) };
        var auth = new BasicAuthenticator(users);
        Assert.True(await auth.CheckAsync("a", "same"));
        Assert.False(await auth.CheckAsync("b", "same"));
        Assert.True(await auth.CheckAsync("b", "other"));
    }

    [Fact]
    public async Task Unknown_users_cost_a_bcrypt_check_too()
    {
        var auth = new BasicAuthenticator(Users);
        // Even with the password of the hash it is checked against (the first user's), an unknown user fails.
        Assert.False(await auth.CheckAsync("eve", "pässwörd"));
        Assert.False(await auth.CheckAsync("eve", "pässwörd"));
        Assert.Equal(2, auth.BcryptChecks);
    }

    [Fact]
    public async Task Passwords_past_bcrypts_72_bytes_are_refused_not_truncated()
    {
        string password = new('p', 72);
        var auth = new BasicAuthenticator(new Dictionary<string, string> { ["long"] = BCrypt.Net.BCrypt.HashPassword(password, 4) });
        Assert.True(await auth.CheckAsync("long", password));
        Assert.False(await auth.CheckAsync("long", password + "anything"));
    }

    [Fact]
    public async Task Authorization_headers_are_read_as_RFC_7617_says()
    {
        var auth = new BasicAuthenticator(Users);
        Assert.True(await auth.IsAuthorizedAsync(Basic("bob:pässwörd")));
        Assert.True(await auth.IsAuthorizedAsync("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pässwörd"))));
        Assert.False(await auth.IsAuthorizedAsync(null));
        Assert.False(await auth.IsAuthorizedAsync(""));
        Assert.False(await auth.IsAuthorizedAsync("Basic"));
        Assert.False(await auth.IsAuthorizedAsync("Basic !!!not-base64"));
        Assert.False(await auth.IsAuthorizedAsync("Bearer " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pässwörd"))));
        Assert.False(await auth.IsAuthorizedAsync(Basic("bob"))); // no colon
        Assert.False(await auth.IsAuthorizedAsync("Basic " + Convert.ToBase64String([0x62, 0x6f, 0x62, 0x3a, 0xff, 0xfe]))); // not UTF-8

        Assert.True(BasicAuthenticator.TryParse(Basic("bob:with:colons"), out string user, out string password));
        Assert.Equal(("bob", "with:colons"), (user, password));
        Assert.True(BasicAuthenticator.TryParse(Basic(":"), out user, out password));
        Assert.Equal(("", ""), (user, password));
    }

    [Fact]
    public void It_needs_users()
    {
        Assert.Throws<ArgumentException>(() => new BasicAuthenticator(new Dictionary<string, string>()));
    }
}
