using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace XxExporter.Web.Security;

/// <summary>Requires HTTP basic authentication for every request when the web config lists <c>basic_auth_users</c>.</summary>
public static class BasicAuthMiddleware
{
    public const string Realm = "xx-exporter";
    public const string Challenge = "Basic realm=\"" + Realm + "\"";

    /// <summary>
    /// Answers every request that lacks a configured user's right password with 401 and
    /// <c>WWW-Authenticate: Basic realm="xx-exporter"</c>, before routing, so every endpoint (and every unknown path)
    /// is covered. Nothing when <paramref name="config"/> is null or lists no users. Call it before mapping endpoints.
    /// </summary>
    public static IApplicationBuilder UseBasicAuth(this IApplicationBuilder app, WebConfig? config) =>
        config is { BasicAuthEnabled: true } ? app.UseBasicAuth(new BasicAuthenticator(config.BasicAuthUsers)) : app;

    /// <summary>As <see cref="UseBasicAuth(IApplicationBuilder, WebConfig?)"/>, with an authenticator made by the caller.</summary>
    public static IApplicationBuilder UseBasicAuth(this IApplicationBuilder app, BasicAuthenticator authenticator)
    {
        ArgumentNullException.ThrowIfNull(authenticator);
        return app.Use(async (context, next) =>
        {
            // Never logged: the header holds the password.
            string? authorization = context.Request.Headers.Authorization;
            string client = context.Connection.RemoteIpAddress is { } address ? ConnectionsPerAddress.Client(address).ToString() : "";
            var outcome = await authenticator.IsAuthorizedAsync(authorization, client, context.RequestAborted);
            if (outcome == AuthOutcome.Allowed)
            {
                await next(context);
                return;
            }
            var response = context.Response;
            response.ContentType = "text/plain; charset=utf-8";
            if (outcome == AuthOutcome.Busy)
            {
                // Refused at once rather than queued: a flood of guesses must not delay the scrapes behind it.
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = "1";
                await response.WriteAsync("Too many password checks at once from this address; try again in a second\n", context.RequestAborted);
                return;
            }
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = Challenge;
            await response.WriteAsync("Unauthorized\n", context.RequestAborted);
        });
    }
}
