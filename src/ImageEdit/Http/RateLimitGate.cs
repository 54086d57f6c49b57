using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// Shared by every request to one API host in this process: after a 429, no request starts (new or retried)
    /// before the wait the API asked for, so a batch backs off as one instead of hammering the limit.
    /// </summary>
    internal sealed class RateLimitGate
    {
        private static readonly ConcurrentDictionary<string, RateLimitGate> Gates = new ConcurrentDictionary<string, RateLimitGate>(StringComparer.OrdinalIgnoreCase);
        private long _notBeforeTicks;

        public static RateLimitGate For(Uri endpoint) => Gates.GetOrAdd(endpoint.GetLeftPart(UriPartial.Authority), _ => new RateLimitGate());

        /// <summary>Holds every request back for <paramref name="wait"/> from now (a longer hold already set stays).</summary>
        public void Defer(TimeSpan wait)
        {
            long until = DateTime.UtcNow.Ticks + wait.Ticks;
            long current;
            do
            {
                current = Interlocked.Read(ref _notBeforeTicks);
                if (current >= until) return;
            }
            while (Interlocked.CompareExchange(ref _notBeforeTicks, until, current) != current);
        }

        /// <summary>How long a request must still wait; zero when it may go.</summary>
        public TimeSpan Remaining
        {
            get
            {
                long remaining = Interlocked.Read(ref _notBeforeTicks) - DateTime.UtcNow.Ticks;
                return remaining > 0 ? TimeSpan.FromTicks(remaining) : TimeSpan.Zero;
            }
        }

        public async Task WaitAsync(ILog log, CancellationToken cancellation)
        {
            for (var remaining = Remaining; remaining > TimeSpan.Zero; remaining = Remaining)
            {
                log.Verbose($"Holding this request {remaining.TotalSeconds:0.0} s: the API asked for a pause after a 429.");
                await Task.Delay(remaining, cancellation).ConfigureAwait(false);
            }
        }
    }
}
