using System.Net.Http;
using System.Security;
using System.Text;
using ImageEdit.Http;
using ImageEdit.TestServer;

namespace ImageEdit.Tests;

/// <summary>
/// The HTTP core's calls that are not idempotent (SendOnceAsync), against the real local server with injected faults:
/// after a failure whose outcome is unknown it asks the caller's lookup first and adopts what it finds; it sends again
/// only when the lookup finds nothing; and when the lookup fails it does not send again at all.
/// </summary>
public class NotIdempotentCallTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestApiServer Server => fixture.Server;

    /// <summary>
    /// A connection whose timeout is long enough that a loaded machine never makes a plain answer look lost (which
    /// would ask the lookup where a test counts that it is not asked); the test of a hang passes a short one.
    /// </summary>
    private ApiConnection Connection(int retries = 2, int timeoutSeconds = 30) =>
        new(Server.BaseUri, Secure(Server.ApiKey), null, null, TimeSpan.FromSeconds(timeoutSeconds), retries);

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text) secure.AppendChar(c);
        return secure;
    }

    /// <summary>A call to the models list (answered 200), standing in for any call that makes something.</summary>
    private ApiCall Call() => new(HttpMethod.Get, new Uri(Server.BaseUri + "/models"), "the thing",
        (_, _) => new ByteArrayContent(Encoding.UTF8.GetBytes("{}")));

    private static Task<string> ReadAnswer(HttpResponseMessage response, TryContext attempt) => Task.FromResult("sent");

    private void Fault(string action, int status = 500) =>
        Assert.Null(Server.Faults.Add([new FaultStep { Method = "GET", Path = "/v1/models", Action = action, Status = status }]));

    [Fact]
    public async Task After_a_lost_answer_what_the_lookup_finds_is_adopted_and_nothing_is_sent_again()
    {
        Server.Faults.Clear();
        Fault("reset-after");
        var sink = new CollectingSink();
        int looks = 0;
        string result = await new ApiClient(Connection(), sink).SendOnceAsync(Call(), ReadAnswer, _ => { looks++; return Task.FromResult<string?>("found"); }, CancellationToken.None);
        Assert.Equal("found", result);
        Assert.Equal(1, looks);
        Assert.Single(Server.Faults.Injected);
        Assert.Contains(sink.VerboseLines, l => l.Contains("adopted"));
    }

    [Fact]
    public async Task After_a_5xx_the_lookup_is_asked_and_a_call_it_finds_nothing_for_is_sent_again_visibly()
    {
        Server.Faults.Clear();
        Fault("status", 503);
        var sink = new CollectingSink();
        int looks = 0;
        string result = await new ApiClient(Connection(), sink).SendOnceAsync(Call(), ReadAnswer, _ => { looks++; return Task.FromResult<string?>(null); }, CancellationToken.None);
        Assert.Equal("sent", result);
        Assert.Equal(1, looks);
        Assert.Contains(sink.VerboseLines, l => l.Contains("found none: sending it again"));
    }

    [Fact]
    public async Task A_429_is_known_not_to_have_taken_effect_and_is_retried_without_a_lookup()
    {
        Server.Faults.Clear();
        Fault("status", 429);
        int looks = 0;
        string result = await new ApiClient(Connection(), new CollectingSink()).SendOnceAsync(Call(), ReadAnswer, _ => { looks++; return Task.FromResult<string?>(null); }, CancellationToken.None);
        Assert.Equal("sent", result);
        Assert.Equal(0, looks);
    }

    [Fact]
    public async Task When_the_lookup_fails_the_call_is_not_sent_again()
    {
        Server.Faults.Clear();
        Fault("reset-after");
        int sent = 0;
        var error = await Assert.ThrowsAsync<ApiConnectionException>(() => new ApiClient(Connection(), new CollectingSink()).SendOnceAsync(Call(),
            (response, attempt) => { sent++; return ReadAnswer(response, attempt); },
            _ => throw new HttpRequestException("the list could not be read"), CancellationToken.None));
        Assert.Contains("not sent again", error.Message);
        Assert.Equal(0, sent);
        Assert.Single(Server.Faults.Injected);
    }

    [Fact]
    public async Task With_no_retry_left_a_lost_answer_is_still_looked_for_before_it_is_reported()
    {
        Server.Faults.Clear();
        Fault("hang-after");
        int looks = 0;
        string result = await new ApiClient(Connection(retries: 0, timeoutSeconds: 2), new CollectingSink()).SendOnceAsync(Call(), ReadAnswer,
            _ => { looks++; return Task.FromResult<string?>("found"); }, CancellationToken.None);
        Assert.Equal("found", result);
        Assert.Equal(1, looks);
    }
}
