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
            if (await authenticator.IsAuthorizedAsync(authorization, context.RequestAborted))
            {
                await next(context);
                return;
            }
            var response = context.Response;
            response.StatusCode = StatusCodes.Status401Unauthorized;
            response.Headers.WWWAuthenticate = Challenge;
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync("Unauthorized\n", context.RequestAborted);
        });
    }
}
