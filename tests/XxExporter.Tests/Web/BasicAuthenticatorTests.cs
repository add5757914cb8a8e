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
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("prometheus", WebConfigLoaderTests.HtpasswdPassword));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd")); // UTF-8, as curl and Prometheus send it
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "passwort"));
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("Prometheus", WebConfigLoaderTests.HtpasswdPassword)); // names are case-sensitive
    }

    [Fact]
    public async Task A_success_is_cached_while_it_is_used_and_nothing_else_is()
    {
        var clock = new ManualClock();
        var bcrypt = new CountedBcrypt();
        var auth = new BasicAuthenticator(Users, clock, TimeSpan.FromMinutes(5), bcrypt.Verify);

        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(1, bcrypt.Checks);
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(1, bcrypt.Checks); // from the cache

        // A wrong password is checked with bcrypt every time, and does not evict the right one.
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "wrong"));
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "wrong"));
        Assert.Equal(3, bcrypt.Checks);
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(3, bcrypt.Checks);

        // Each use renews it: 8 minutes after the bcrypt check, 4 after the last use, still cached.
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(3, bcrypt.Checks);

        // Unused for its duration: bcrypt again, then cached again.
        clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(4, bcrypt.Checks);
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd"));
        Assert.Equal(4, bcrypt.Checks);
    }

    [Fact]
    public async Task A_cached_password_is_not_valid_for_another_user()
    {
        var users = new Dictionary<string, string> { ["a"] = BCrypt.Net.BCrypt.HashPassword("same", 4), ["b"] = BCrypt.Net.BCrypt.HashPassword("other", 4) };
        var auth = new BasicAuthenticator(users);
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("a", "same"));
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("b", "same"));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("b", "other"));
    }

    [Fact]
    public async Task Unknown_users_cost_a_bcrypt_check_too()
    {
        var bcrypt = new CountedBcrypt();
        var auth = new BasicAuthenticator(Users, verify: bcrypt.Verify);
        // Even with the password of the hash it is checked against (the first user's), an unknown user fails.
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("eve", "pässwörd"));
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("eve", "pässwörd"));
        Assert.Equal(2, bcrypt.Checks);
    }

    [Fact]
    public async Task Passwords_past_bcrypts_72_bytes_are_refused_not_truncated()
    {
        string password = new('p', 72);
        var auth = new BasicAuthenticator(new Dictionary<string, string> { ["long"] = BCrypt.Net.BCrypt.HashPassword(password, 4) });
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("long", password));
        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("long", password + "anything"));
    }

    [Fact]
    public async Task Authorization_headers_are_read_as_RFC_7617_says()
    {
        var auth = new BasicAuthenticator(Users);
        Assert.Equal(AuthOutcome.Allowed, await auth.IsAuthorizedAsync(Basic("bob:pässwörd")));
        Assert.Equal(AuthOutcome.Allowed, await auth.IsAuthorizedAsync("basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pässwörd"))));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync(null));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync(""));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync("Basic"));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync("Basic !!!not-base64"));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync("Bearer " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pässwörd"))));
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync(Basic("bob"))); // no colon
        Assert.Equal(AuthOutcome.Denied, await auth.IsAuthorizedAsync("Basic " + Convert.ToBase64String([0x62, 0x6f, 0x62, 0x3a, 0xff, 0xfe]))); // not UTF-8

        Assert.True(BasicAuthenticator.TryParse(Basic("bob:with:colons"), out string user, out string password));
        Assert.Equal(("bob", "with:colons"), (user, password));
        Assert.True(BasicAuthenticator.TryParse(Basic(":"), out user, out password));
        Assert.Equal(("", ""), (user, password));
    }

    /// <summary>
    /// An authenticator with a check for user "held" running for <paramref name="client"/>, inside bcrypt, until the
    /// returned gate is opened: what a slow bcrypt looks like, without timing.
    /// </summary>
    private static async Task<(BasicAuthenticator Auth, Task<AuthOutcome> Running, TaskCompletionSource Gate)> WithCheckHeldInBcrypt(string client)
    {
        string heldHash = BCrypt.Net.BCrypt.HashPassword("held", 4);
        var users = new Dictionary<string, string>(Users) { ["held"] = heldHash };
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var auth = new BasicAuthenticator(users, verify: (password, hash) =>
        {
            if (hash == heldHash)
            {
                entered.TrySetResult();
                gate.Task.Wait();
            }
            return BasicAuthenticator.Bcrypt(password, hash);
        });
        var running = Task.Run(() => auth.CheckAsync("held", "wrong", client).AsTask());
        await entered.Task;
        return (auth, running, gate);
    }

    [Fact]
    public async Task A_flood_of_guesses_from_one_client_holds_one_place_and_the_excess_is_refused_at_once()
    {
        var (auth, running, gate) = await WithCheckHeldInBcrypt("127.0.0.2");
        // While its first guess is checked, the same address's other guesses are refused without waiting.
        var flood = Enumerable.Range(0, 199).Select(i => auth.CheckAsync("prometheus", $"guess {i}", "127.0.0.2").AsTask()).ToList();
        Assert.All(flood, guess => Assert.Equal(AuthOutcome.Busy, guess.IsCompleted ? guess.Result : AuthOutcome.Allowed));
        // Prometheus, from another address, waits its turn and is let in.
        var prometheus = auth.CheckAsync("bob", "pässwörd", "127.0.0.1").AsTask();
        Assert.False(prometheus.IsCompleted);
        gate.SetResult();
        Assert.Equal(AuthOutcome.Allowed, await prometheus);
        Assert.Equal(AuthOutcome.Denied, await running);
    }

    [Fact]
    public async Task At_most_the_bounded_number_of_checks_queue_over_all_clients()
    {
        var (auth, running, gate) = await WithCheckHeldInBcrypt("client 0");
        var checks = Enumerable.Range(1, BasicAuthenticator.MaxQueuedChecks + 9)
            .Select(i => auth.CheckAsync("bob", "wrong", $"client {i}").AsTask()).ToList();
        Assert.Equal(10, checks.Count(check => check.IsCompleted));   // refused at once; the others wait in the queue
        gate.SetResult();
        var outcomes = await Task.WhenAll(checks);
        Assert.Equal(BasicAuthenticator.MaxQueuedChecks - 1, outcomes.Count(o => o == AuthOutcome.Denied));
        Assert.Equal(10, outcomes.Count(o => o == AuthOutcome.Busy));
        await running;
        // Once the queue has drained, every client is checked again.
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd", "client 1"));
    }

    [Fact]
    public async Task Clients_that_guessed_wrong_cannot_fill_the_queue_for_a_known_users_first_login_nor_go_before_it()
    {
        string heldHash = BCrypt.Net.BCrypt.HashPassword("held", 4);
        var users = new Dictionary<string, string>(Users) { ["held"] = heldHash };
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var order = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var auth = new BasicAuthenticator(users, verify: (password, hash) =>
        {
            order.Enqueue(password);
            if (hash == heldHash)
            {
                entered.TrySetResult();
                gate.Task.Wait();
            }
            return BasicAuthenticator.Bcrypt(password, hash);
        });
        // 40 addresses guess bob's password once each, and fail.
        for (int i = 0; i < 40; i++) Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "guess", $"guesser {i}"));
        // One of them has a check inside bcrypt; the others guess again: their queue fills, the excess is refused.
        var running = Task.Run(() => auth.CheckAsync("held", "guess", "guesser 0").AsTask());
        await entered.Task;
        var guesses = Enumerable.Range(1, 39).Select(i => auth.CheckAsync("bob", "guess again", $"guesser {i}").AsTask()).ToList();
        Assert.Equal(39 - (BasicAuthenticator.MaxQueuedChecks - 1), guesses.Count(guess => guess.IsCompleted));
        // So do fresh addresses asking for a user that does not exist: they queue with the guessers.
        Assert.Equal(AuthOutcome.Busy, await auth.CheckAsync("eve", "guess", "new address"));

        // The known user's first login, from an address that has not failed, still gets a place, and goes first.
        var prometheus = auth.CheckAsync("bob", "pässwörd", "prometheus host").AsTask();
        Assert.False(prometheus.IsCompleted);
        gate.SetResult();
        Assert.Equal(AuthOutcome.Allowed, await prometheus);
        await Task.WhenAll(guesses);
        Assert.Equal(AuthOutcome.Denied, await running);
        Assert.Equal(["guess", "pässwörd"], order.Skip(40).Take(2));
    }

    [Fact]
    public async Task A_client_that_failed_is_suspect_until_it_succeeds_or_its_failure_is_old()
    {
        var clock = new ManualClock();
        string heldHash = BCrypt.Net.BCrypt.HashPassword("held", 4);
        var users = new Dictionary<string, string>(Users) { ["held"] = heldHash };
        var entered = new SemaphoreSlim(0);
        var gate = new SemaphoreSlim(0);
        var auth = new BasicAuthenticator(users, clock, TimeSpan.Zero, (password, hash) =>
        {
            if (hash == heldHash)
            {
                entered.Release();
                gate.Wait();
            }
            return BasicAuthenticator.Bcrypt(password, hash);
        });
        // While bcrypt is held, the suspect lane is filled by guessers, so whether a check is Busy tells its lane.
        async Task<AuthOutcome> LaneTest(string client)
        {
            var held = Task.Run(() => auth.CheckAsync("held", "x", "holder").AsTask());
            await entered.WaitAsync();
            var fill = Enumerable.Range(0, BasicAuthenticator.MaxQueuedChecks).Select(i => auth.CheckAsync("eve", "x", $"filler {i}").AsTask()).ToList();
            var outcome = auth.CheckAsync("bob", "pässwörd", client).AsTask();
            bool busy = outcome.IsCompleted;
            gate.Release();
            await held;
            await Task.WhenAll(fill);
            await outcome;
            return busy ? AuthOutcome.Busy : outcome.Result;
        }

        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "wrong", "mistyped"));
        Assert.Equal(AuthOutcome.Busy, await LaneTest("mistyped"));
        clock.Advance(BasicAuthenticator.SuspectFor);
        Assert.Equal(AuthOutcome.Allowed, await LaneTest("mistyped"));

        Assert.Equal(AuthOutcome.Denied, await auth.CheckAsync("bob", "wrong", "fixed"));
        Assert.Equal(AuthOutcome.Allowed, await auth.CheckAsync("bob", "pässwörd", "fixed"));
        Assert.Equal(AuthOutcome.Allowed, await LaneTest("fixed"));
    }

    [Fact]
    public void It_needs_users()
    {
        Assert.Throws<ArgumentException>(() => new BasicAuthenticator(new Dictionary<string, string>()));
    }
}
