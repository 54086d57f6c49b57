using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Responses;

namespace ImageEdit.Rules
{
    /// <summary>
    /// The shutdown dates the API gives its models (GET /models: the key's own list), for one command: read at most once,
    /// from the cache when it is less than a day old, else from the API within <see cref="FetchBound"/> (one try, no
    /// retry) and then cached. A list that fails, is slow or cannot be read costs the edit at most that moment and never
    /// an error: the lifecycle then falls back to an older cached list, else to the rules table's dates. Azure has no such
    /// list, and is never asked.
    /// </summary>
    internal sealed class ApiShutdownDates
    {
        /// <summary>The longest the model list may hold up the first request that needs it.</summary>
        public static readonly TimeSpan FetchBound = TimeSpan.FromSeconds(3);

        /// <summary>How long this process leaves a model list that could not be read before asking for it again.</summary>
        public static readonly TimeSpan RetryFailedFetchAfter = TimeSpan.FromMinutes(10);

        /// <summary>When each endpoint's model list last failed in this process, by its cache file (every command of a session shares it).</summary>
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> RecentFailures =
            new System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);

        private readonly ApiConnection _connection;
        private readonly ModelListCache _cache;
        private readonly bool _mayFetch;
        private readonly Func<DateTimeOffset> _now;
        private bool _loaded;
        private IReadOnlyDictionary<string, DateTime?>? _dates;

        /// <param name="connection">The command's connection.</param>
        /// <param name="cache">Where lists are kept between commands.</param>
        /// <param name="mayFetch">False to read only the cache (-WhatIf sends nothing).</param>
        /// <param name="now">The clock the cache's age is read by; the machine's by default.</param>
        public ApiShutdownDates(ApiConnection connection, ModelListCache cache, bool mayFetch = true, Func<DateTimeOffset>? now = null)
        {
            _connection = connection;
            _cache = cache;
            _mayFetch = mayFetch;
            _now = now ?? (() => DateTimeOffset.UtcNow);
        }

        /// <summary>The dates by model ID, or null when the API's list is not to be had; what happened is added to <paramref name="notes"/> (for Verbose) the first time.</summary>
        public IReadOnlyDictionary<string, DateTime?>? Get(ICollection<string> notes)
        {
            if (!_loaded)
            {
                _loaded = true;
                _dates = Load(notes)?.Dates;
            }
            return _dates;
        }

        private ModelShutdownList? Load(ICollection<string> notes)
        {
            if (_connection.ApiType == ApiType.Azure || !_connection.HasCredentials)
            {
                return null;
            }
            string endpoint = _connection.ModelsUri().AbsoluteUri;
            var cached = _cache.Read(endpoint);
            if (cached != null && cached.IsFresh(_now()))
            {
                notes.Add($"Model shutdown dates from the model list cached at {cached.FetchedAt:u} ({_cache.PathFor(endpoint)}).");
                return cached;
            }
            if (!_mayFetch)
            {
                return cached;
            }
            // Remembered per cache file (the endpoint in this cache folder), so that pointing IMAGEEDIT_CACHE_DIR elsewhere starts afresh.
            string failureKey = _cache.PathFor(endpoint);
            if (RecentFailures.TryGetValue(failureKey, out var failedAt) && _now() - failedAt < RetryFailedFetchAfter)
            {
                // A script that runs one command per file would otherwise wait for a failing list once per file.
                notes.Add($"The model list ({endpoint}) could not be read at {failedAt:u} and is not asked for again before " +
                    $"{failedAt + RetryFailedFetchAfter:u}; the model lifecycle uses " + (cached is null ? "the rules table's dates." : "the cached list, then the rules table's dates."));
                return cached;
            }
            var fetched = Fetch(endpoint, out string? problem);
            if (fetched is null)
            {
                RecentFailures[failureKey] = _now();
                notes.Add($"The model list ({endpoint}) could not be read ({problem}); the model lifecycle uses " +
                    (cached is null ? "the rules table's dates." : $"the list cached at {cached.FetchedAt:u}, then the rules table's dates."));
                return cached;
            }
            try
            {
                _cache.Write(fetched);
                notes.Add($"Model shutdown dates from the model list, cached in {_cache.PathFor(endpoint)} for a day.");
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
            {
                notes.Add($"The model list could not be cached in {_cache.Folder} ({ex.Message}); it is used for this command only.");
            }
            return fetched;
        }

        private ModelShutdownList? Fetch(string endpoint, out string? problem)
        {
            using var bound = new CancellationTokenSource(FetchBound);
            var list = ModelsApi.ListAsync(_connection.WithLimits(FetchBound, maximumRetryCount: 0), new SilentLog(), bound.Token, optional: true);
            try
            {
                if (!list.Wait(FetchBound + TimeSpan.FromMilliseconds(500)))
                {
                    // The cancellation did not reach it in time: leave it behind, observed.
                    bound.Cancel();
                    list.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                    problem = $"no answer within {FetchBound.TotalSeconds:0} seconds";
                    return null;
                }
                problem = null;
                return ModelShutdownList.From(endpoint, list.Result.Data, _now());
            }
            catch (AggregateException ex)
            {
                var inner = ex.GetBaseException();
                problem = inner is OperationCanceledException || inner is TimeoutException ? $"no answer within {FetchBound.TotalSeconds:0} seconds" : inner.Message;
                return null;
            }
        }
    }
}
