using System.Net;
using System.Net.Http;
using ImageEdit.Http;

namespace ImageEdit.Tests;

public class RetryPolicyTests
{
    [Theory]
    [InlineData(408, true)]
    [InlineData(409, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(503, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    public void Statuses_retried_are_those_the_SDKs_retry(int status, bool retried) =>
        Assert.Equal(retried, RetryPolicy.IsRetryableStatus(new HttpResponseMessage((HttpStatusCode)status)));

    [Theory]
    [InlineData(400, "true", true)]
    [InlineData(500, "false", false)]
    public void X_should_retry_overrides_the_status(int status, string header, bool retried)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status);
        response.Headers.Add("x-should-retry", header);
        Assert.Equal(retried, RetryPolicy.IsRetryableStatus(response));
    }

    [Fact]
    public void Backoff_doubles_from_half_a_second_up_to_eight_less_up_to_a_quarter()
    {
        var policy = new RetryPolicy(new Random(1));
        for (int retry = 0; retry < 8; retry++)
        {
            double ceiling = Math.Min(0.5 * Math.Pow(2, retry), 8);
            double seconds = policy.Delay(retry, null).TotalSeconds;
            Assert.InRange(seconds, ceiling * 0.75, ceiling);
        }
    }

    [Fact]
    public void Retry_after_ms_wins_then_retry_after_seconds_then_an_http_date()
    {
        var now = DateTimeOffset.UtcNow;
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("retry-after-ms", "1500");
        response.Headers.Add("retry-after", "30");
        Assert.Equal(TimeSpan.FromMilliseconds(1500), RetryPolicy.ServerNamedDelay(response.Headers, now));

        response.Headers.Remove("retry-after-ms");
        Assert.Equal(TimeSpan.FromSeconds(30), RetryPolicy.ServerNamedDelay(response.Headers, now));

        response.Headers.Remove("retry-after");
        response.Headers.TryAddWithoutValidation("retry-after", now.AddSeconds(20).ToString("r"));
        Assert.InRange(RetryPolicy.ServerNamedDelay(response.Headers, now)!.Value.TotalSeconds, 19, 21);
    }

    [Fact]
    public void A_wait_over_sixty_seconds_is_not_honoured()
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.Add("retry-after", "600");
        Assert.Null(RetryPolicy.ServerNamedDelay(response.Headers, DateTimeOffset.UtcNow));
    }
}
