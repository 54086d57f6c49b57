using ImageEdit.Http;

namespace ImageEdit.Tests;

public class RateLimitGateTests
{
    private sealed class NoLog : ILog
    {
        public void Verbose(string message) { }
        public void Warning(string message) { }
        public void Debug(string message) { }
    }

    [Fact]
    public void A_host_is_held_for_the_longest_wait_asked_and_other_hosts_are_not()
    {
        var gate = RateLimitGate.For(new Uri("https://gate-a.example/v1"));
        gate.Defer(TimeSpan.FromSeconds(30));
        gate.Defer(TimeSpan.FromSeconds(5));

        Assert.InRange(gate.Remaining.TotalSeconds, 25, 30);
        Assert.Same(gate, RateLimitGate.For(new Uri("https://GATE-A.example/other")));
        Assert.Equal(TimeSpan.Zero, RateLimitGate.For(new Uri("https://gate-b.example/v1")).Remaining);
    }

    [Fact]
    public async Task Waiting_ends_when_the_pause_is_over_and_honours_cancellation()
    {
        var gate = RateLimitGate.For(new Uri("https://gate-c.example/v1"));
        // The watch starts before the pause is asked for: started after, a test thread held up between the two by a busy
        // machine would see less than the pause and fail.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        gate.Defer(TimeSpan.FromMilliseconds(300));
        await gate.WaitAsync(new NoLog(), CancellationToken.None);
        Assert.True(watch.ElapsedMilliseconds >= 250);

        gate.Defer(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.WaitAsync(new NoLog(), cancel.Token));
    }
}
