using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// The one HTTP core every cmdlet calls: builds the call's body anew for every try, sends it with the credentials,
    /// retries what is transient, bounds each try by the timeout, and hands a successful answer to the caller's reader
    /// inside the same try. It knows nothing of request fields, saving files or PowerShell: logging and upload progress
    /// reach it as plain interfaces.
    /// </summary>
    internal sealed class ApiClient
    {
        private static readonly Lazy<HttpClient> Shared = new Lazy<HttpClient>(CreateHttpClient);
        private readonly ApiConnection _connection;
        private readonly ILog _log;
        private readonly RedirectingSender _sender;
        private readonly RetryPolicy _retryPolicy;
        private readonly RateLimitGate _gate;

        private readonly IUploadProgress? _progress;
        private int _sentAgainAfterLostAnswer;
        private bool _answerLostBeforeNextTry;

        /// <summary>
        /// How many times a billed call of this client was sent again after a try had been fully sent and its answer lost
        /// (a timeout or reset while waiting): the API may have carried out, and billed, both.
        /// </summary>
        public int SentAgainAfterLostAnswer => Volatile.Read(ref _sentAgainAfterLostAnswer);

        /// <param name="connection">Where and how to send.</param>
        /// <param name="log">Where Verbose and Debug lines go.</param>
        /// <param name="progress">Where upload progress goes; null reports none.</param>
        /// <param name="http">The client to send with; the shared pooled one by default.</param>
        /// <param name="retryPolicy">When to retry; the SDKs' rules by default.</param>
        public ApiClient(ApiConnection connection, ILog log, IUploadProgress? progress = null, HttpClient? http = null, RetryPolicy? retryPolicy = null)
        {
            _connection = connection;
            _log = log;
            _progress = progress;
            _sender = new RedirectingSender(connection, log, http ?? Shared.Value);
            _retryPolicy = retryPolicy ?? new RetryPolicy();
            _gate = RateLimitGate.For(connection.BaseUri);
        }

        /// <summary>The pooled client every request shares; redirects are followed here, not by the handler, so credentials never cross origins.</summary>
        public static HttpClient SharedHttpClient => Shared.Value;

        /// <summary>
        /// Carries out <paramref name="call"/> and returns what <paramref name="readAnswer"/> makes of a 2xx answer.
        /// A transient failure before <see cref="TryContext.Commit"/> is tried again; after it (events already
        /// written to the pipeline) it is not, so nothing reaches the user twice.
        /// </summary>
        public Task<T> SendAsync<T>(ApiCall call, Func<HttpResponseMessage, TryContext, Task<T>> readAnswer,
            CancellationToken cancellation) => SendCoreAsync(call, readAnswer, null, cancellation);

        /// <summary>
        /// Carries out a call that is not idempotent (creating a batch, uploading a file): a second try of it makes a second
        /// batch or file. After a failure whose outcome is unknown (no answer in time, or a connection lost once the request
        /// was on its way, or a 5xx), the core does not send it again blindly: it first asks
        /// <paramref name="findEarlierOutcome"/> whether an earlier try took effect, and adopts what that finds; only when
        /// it finds nothing is the call sent again (said in Verbose). When the look itself fails, the call is not sent
        /// again: the error is reported, and the caller's record lets a later run look once more.
        /// </summary>
        public Task<T> SendOnceAsync<T>(ApiCall call, Func<HttpResponseMessage, TryContext, Task<T>> readAnswer,
            Func<CancellationToken, Task<T?>> findEarlierOutcome, CancellationToken cancellation) where T : class =>
            SendCoreAsync(call, readAnswer, async token => await findEarlierOutcome(token).ConfigureAwait(false), cancellation);

        private async Task<T> SendCoreAsync<T>(ApiCall call, Func<HttpResponseMessage, TryContext, Task<T>> readAnswer,
            Func<CancellationToken, Task<object?>>? findEarlierOutcome, CancellationToken cancellation)
        {
            bool outcomeUnknown = false;
            // How many tries reached the server and then lost their answer: each may have been carried out (and billed).
            int lostAnswers = 0;
            for (int attempt = 0; ; attempt++)
            {
                // Whether this try's request reached the server and its answer was then lost (a timeout, a reset).
                bool answerLost = false;
                if (outcomeUnknown && findEarlierOutcome != null)
                {
                    // An earlier try may have made what this call makes: look before sending it again.
                    var found = await LookForEarlierOutcomeAsync(call, attempt, findEarlierOutcome, cancellation).ConfigureAwait(false);
                    if (found != null)
                    {
                        return (T)found;
                    }
                    outcomeUnknown = false;
                }
                cancellation.ThrowIfCancellationRequested();
                if (!call.Optional)
                {
                    await _gate.WaitAsync(_log, cancellation).ConfigureAwait(false);
                }
                using var tryContext = new TryContext(cancellation, _connection.Timeout) { Number = attempt + 1 };
                if (_answerLostBeforeNextTry)
                {
                    _answerLostBeforeNextTry = false;
                    Interlocked.Increment(ref _sentAgainAfterLostAnswer);
                }
                HttpResponseMessage? response = null;
                TimeSpan wait;
                string failure;
                Exception? pendingGiveUp = null;
                try
                {
                    var stopwatch = Stopwatch.StartNew();
                    _log.Verbose($"{call.Method} {call.Uri.GetLeftPart(UriPartial.Path)} for {call.Subject}" +
                                 (attempt > 0 ? $" (retry {attempt} of {_connection.MaximumRetryCount})" : ""));
                    var upload = call.UploadBytes > 0 ? _progress?.Begin(call.Subject, call.UploadBytes) : null;
                    try
                    {
                        response = await _sender.SendAsync(call, tryContext.Token, upload is null ? null : upload.Report).ConfigureAwait(false);
                    }
                    finally
                    {
                        upload?.Complete();
                    }
                    string? requestId = RequestId(response);
                    _log.Verbose($"HTTP {(int)response.StatusCode} {response.StatusCode} for {call.Subject} after {stopwatch.ElapsedMilliseconds} ms" +
                                 (requestId is null ? "" : $", request id {requestId}"));
                    if (response.IsSuccessStatusCode)
                    {
                        return await readAnswer(response, tryContext).ConfigureAwait(false);
                    }

                    var error = await ReadErrorAsync(response, requestId, tryContext.Token).ConfigureAwait(false);
                    if ((int)response.StatusCode == 401 && response.RequestMessage?.RequestUri is Uri answeredBy
                        && Uri.Compare(answeredBy, _connection.BaseUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
                    {
                        // The key is never sent to another origin, so a 401 from there says nothing about the key.
                        error.Advice = $"The request was redirected to {answeredBy.GetLeftPart(UriPartial.Authority)}, another origin, and ImageEdit does not send the key there: " +
                            "that host refused the request without it. Point -BaseUri (or $env:OPENAI_BASE_URL) at the address that answers without redirecting to another host.";
                    }
                    wait = _retryPolicy.Delay(attempt, response.Headers);
                    if ((int)response.StatusCode == 429 && !call.Optional)
                    {
                        _gate.Defer(wait);
                    }
                    bool serverError = (int)response.StatusCode >= 500;
                    if (!RetryPolicy.IsRetryableStatus(response) || attempt >= _connection.MaximumRetryCount)
                    {
                        if (serverError && findEarlierOutcome != null
                            && await LookForEarlierOutcomeAsync(call, attempt + 1, findEarlierOutcome, cancellation, giveUp: true).ConfigureAwait(false) is { } adopted)
                        {
                            return (T)adopted;
                        }
                        throw error;
                    }
                    // A 5xx may come after the server has done the work: to be safe, looked for before the call is sent again.
                    outcomeUnknown = serverError;
                    failure = $"HTTP {(int)response.StatusCode}" + (requestId is null ? "" : $" (request id {requestId})");
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex) when (FailedTries.Refused(ex) is { } refused)
                {
                    // A file found broken while it was sent: asking again would send the same broken bytes.
                    throw refused;
                }
                catch (Exception ex) when (FailedTries.IsTransient(ex, tryContext))
                {
                    bool unknown = !FailedTries.NeverReachedServer(ex);
                    if (unknown && !tryContext.IsCommitted)
                    {
                        lostAnswers++;
                    }
                    if (tryContext.IsCommitted || attempt >= _connection.MaximumRetryCount)
                    {
                        var giveUp = FailedTries.GiveUp(ex, tryContext, response, attempt + 1, _connection, call.Billed && findEarlierOutcome is null ? lostAnswers : 0);
                        if (unknown && findEarlierOutcome != null && !tryContext.IsCommitted)
                        {
                            pendingGiveUp = giveUp;
                        }
                        else
                        {
                            throw giveUp;
                        }
                        wait = TimeSpan.Zero;
                        failure = FailedTries.Describe(ex, tryContext, _connection);
                    }
                    else
                    {
                        wait = _retryPolicy.Delay(attempt, null);
                        failure = FailedTries.Describe(ex, tryContext, _connection);
                    }
                    outcomeUnknown = unknown;
                    answerLost = unknown;
                }
                finally
                {
                    response?.Dispose();
                }

                if (pendingGiveUp != null)
                {
                    // No try is left, but the last one may have taken effect: what it made is adopted if it is found.
                    _log.Verbose($"Try {attempt + 1} of {call.Subject} failed ({failure}), and no try is left.");
                    if (await LookForEarlierOutcomeAsync(call, attempt + 1, findEarlierOutcome!, cancellation, giveUp: true).ConfigureAwait(false) is { } adopted)
                    {
                        return (T)adopted;
                    }
                    throw pendingGiveUp;
                }
                if (answerLost && call.Billed && findEarlierOutcome is null)
                {
                    // Nothing can tell whether the lost try was carried out: the repeat is said where an unattended run's log shows it.
                    _answerLostBeforeNextTry = true;
                    _log.Warning($"The answer to {call.Method} {call.Uri.GetLeftPart(UriPartial.Path)} for {call.Subject} was lost after the request was sent ({failure}); " +
                        $"it is sent again (retry {attempt + 1} of {_connection.MaximumRetryCount}), so OpenAI may bill it twice.");
                }
                _log.Verbose(outcomeUnknown && findEarlierOutcome != null
                    ? $"Try {attempt + 1} failed ({failure}); in {wait.TotalSeconds:0.0} s, looking for what it may have made before sending it again."
                    : $"Try {attempt + 1} failed ({failure}); trying again in {wait.TotalSeconds:0.0} s with the body rebuilt from the files.");
                await Task.Delay(wait, cancellation).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Asks whether an earlier try of a call that is not idempotent took effect; returns what it made, or null (and then,
        /// unless <paramref name="giveUp"/>, the call is sent again). A look that fails is thrown as an error: the call is
        /// not sent again on a guess.
        /// </summary>
        private async Task<object?> LookForEarlierOutcomeAsync(ApiCall call, int triesSoFar, Func<CancellationToken, Task<object?>> findEarlierOutcome,
            CancellationToken cancellation, bool giveUp = false)
        {
            object? found;
            try
            {
                found = await findEarlierOutcome(cancellation).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && cancellation.IsCancellationRequested))
            {
                throw new ApiConnectionException($"{call.Subject}: try {triesSoFar} may have taken effect, and looking for what it made failed ({FailedTries.Innermost(ex).Message.TrimEnd('.')}); " +
                    "it was not sent again, so that it is not made twice.", null, null, ex)
                {
                    Advice = "Run the command again once the API answers (with -Resume where the command has it): it looks once more for what this try made " +
                        "before sending anything, so nothing is made twice.",
                };
            }
            if (found != null)
            {
                _log.Verbose($"{call.Subject}: try {triesSoFar} may have taken effect, and it had: its outcome is adopted instead of sending it again.");
                return found;
            }
            _log.Verbose(giveUp
                ? $"{call.Subject}: looked for what try {triesSoFar} may have made and found none."
                : $"{call.Subject}: try {triesSoFar} may have taken effect; looked for what it made and found none: sending it again.");
            return null;
        }

        private static async Task<ApiException> ReadErrorAsync(HttpResponseMessage response, string? requestId, CancellationToken token)
        {
            byte[] body = await ReadAtMostAsync(response, 64 * 1024, token).ConfigureAwait(false);
            return ApiErrorParser.FromBody(response.StatusCode, requestId, body, response.Content.Headers.ContentType?.ToString());
        }

        /// <summary>Reads up to <paramref name="limit"/> bytes of a body: an error page need not be read whole.</summary>
        internal static async Task<byte[]> ReadAtMostAsync(HttpResponseMessage response, int limit, CancellationToken token)
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var buffer = new byte[limit];
            int total = 0;
            while (total < limit)
            {
                int read = await stream.ReadAsync(buffer, total, limit - total, token).ConfigureAwait(false);
                if (read == 0) break;
                total += read;
            }
            Array.Resize(ref buffer, total);
            return buffer;
        }

        internal static string? RequestId(HttpResponseMessage response) =>
            response.Headers.TryGetValues("x-request-id", out var values) ? values.FirstOrDefault() : null;

        private static HttpClient CreateHttpClient()
        {
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                MaxConnectionsPerServer = 64,
            };
            var client = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.ParseAdd("ImageEdit-PowerShell/" + typeof(ApiClient).Assembly.GetName().Version?.ToString(3));
            return client;
        }
    }
}
