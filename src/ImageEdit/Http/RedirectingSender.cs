using System;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// Sends one try of a call: its body built anew, the credentials applied while the request stays on the API's own
    /// origin, and 307/308 redirects followed here (not by the handler), so that credentials never cross origins. The
    /// request headers go to Debug with the secrets hidden.
    /// </summary>
    internal sealed class RedirectingSender
    {
        private const int MaximumRedirects = 5;
        private readonly ApiConnection _connection;
        private readonly ILog _log;
        private readonly HttpClient _http;

        public RedirectingSender(ApiConnection connection, ILog log, HttpClient http)
        {
            _connection = connection;
            _log = log;
            _http = http;
        }

        /// <summary>The answer to one try of <paramref name="call"/>, after any redirects; <paramref name="bytesSent"/> is told the body's progress.</summary>
        public async Task<HttpResponseMessage> SendAsync(ApiCall call, CancellationToken token, Action<long>? bytesSent)
        {
            Uri target = call.Uri;
            bool sameOrigin = true;
            for (int redirects = 0; ; redirects++)
            {
                using var message = new HttpRequestMessage(call.Method, target)
                {
                    Content = call.BuildBody?.Invoke(token, bytesSent),
                };
                if (sameOrigin)
                {
                    _connection.ApplyCredentials(message);
                }
                _log.Debug("Request headers: " + string.Join("; ", message.Headers.Select(h =>
                    h.Key + ": " + (IsSecretHeader(h.Key) ? SecretPlaceholder(h.Key) : string.Join(", ", h.Value)))));
                var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
                int status = (int)response.StatusCode;
                if ((status != 307 && status != 308) || response.Headers.Location is null || redirects >= MaximumRedirects)
                {
                    return response;
                }
                var next = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(target, response.Headers.Location);
                sameOrigin &= Uri.Compare(next, _connection.BaseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;
                _log.Verbose($"HTTP {status}: redirected to {next.GetLeftPart(UriPartial.Path)}" + (sameOrigin ? "" : " (another origin: sent without credentials)"));
                response.Dispose();
                target = next;
            }
        }

        private static bool IsSecretHeader(string name) =>
            name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || name.Equals("api-key", StringComparison.OrdinalIgnoreCase);

        private static string SecretPlaceholder(string name) =>
            name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer (hidden)" : "(hidden)";
    }
}
