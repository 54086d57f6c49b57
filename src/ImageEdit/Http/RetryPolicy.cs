using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;

namespace ImageEdit.Http
{
    /// <summary>
    /// When a failed try is tried again, and how long to wait first: the official SDKs' rules
    /// (408, 409, 429 and 5xx; x-should-retry overrides; retry-after-ms, retry-after) with capped exponential backoff.
    /// </summary>
    internal sealed class RetryPolicy
    {
        private static readonly TimeSpan MaximumHonouredRetryAfter = TimeSpan.FromSeconds(60);
        private const double InitialDelaySeconds = 0.5;
        private const double MaximumDelaySeconds = 8;
        private readonly Random _random;

        public RetryPolicy(Random? random = null)
        {
            _random = random ?? new Random();
        }

        public static bool IsRetryableStatus(HttpResponseMessage response)
        {
            if (TryGetHeader(response.Headers, "x-should-retry", out var shouldRetry))
            {
                if (string.Equals(shouldRetry, "true", StringComparison.OrdinalIgnoreCase)) return true;
                if (string.Equals(shouldRetry, "false", StringComparison.OrdinalIgnoreCase)) return false;
            }
            int status = (int)response.StatusCode;
            return status == 408 || status == 409 || status == 429 || status >= 500;
        }

        /// <summary>The wait before try number <paramref name="retry"/> + 1 (retry counts from 0).</summary>
        public TimeSpan Delay(int retry, HttpResponseHeaders? headers)
        {
            var named = headers is null ? null : ServerNamedDelay(headers, DateTimeOffset.UtcNow);
            if (named.HasValue)
            {
                return named.Value;
            }
            double seconds = Math.Min(InitialDelaySeconds * Math.Pow(2, retry), MaximumDelaySeconds);
            double jitter = 1 - 0.25 * _random.NextDouble();
            return TimeSpan.FromSeconds(seconds * jitter);
        }

        /// <summary>The wait the answer asked for, when it named one of at most 60 seconds.</summary>
        public static TimeSpan? ServerNamedDelay(HttpResponseHeaders headers, DateTimeOffset now)
        {
            TimeSpan? wait = null;
            if (TryGetHeader(headers, "retry-after-ms", out var ms)
                && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
            {
                wait = TimeSpan.FromMilliseconds(milliseconds);
            }
            else if (TryGetHeader(headers, "retry-after", out var after))
            {
                if (double.TryParse(after, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    wait = TimeSpan.FromSeconds(seconds);
                }
                else if (DateTimeOffset.TryParse(after, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
                {
                    wait = date - now;
                }
            }
            return wait.HasValue && wait.Value >= TimeSpan.Zero && wait.Value <= MaximumHonouredRetryAfter ? wait : null;
        }

        private static bool TryGetHeader(HttpResponseHeaders headers, string name, out string? value)
        {
            value = headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
            return value != null;
        }
    }
}
