using ImageEdit.Output;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.TestServer;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

public class StreamOperationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static EditContext Context(ImageFileWriter? writer) => new(writer, null, new RunTally(), "Edit-Image");

    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    private ApiConnection Connection(TimeSpan? timeout = null, int retries = 2)
    {
        var key = new SecureString();
        foreach (char c in fixture.Server.ApiKey) key.AppendChar(c);
        return new ApiConnection(fixture.Server.BaseUri, key, timeout: timeout ?? TimeSpan.FromSeconds(20), maximumRetryCount: retries);
    }

    private static ImageEditRequest Streamed(int partials) => new(new[] { Lighthouse }, "x", stream: true, fields: new Dictionary<string, object?> { ["partial_images"] = partials });

    [Fact]
    public async Task Events_split_over_data_lines_are_joined_and_parsed()
    {
        fixture.Server.Script.Enqueue([new ScriptStep { Multiline = true }]);
        var sink = new CollectingSink();

        await new StreamOperation(Connection(), Context(null)).RunAsync(Streamed(2), sink, CancellationToken.None);

        Assert.Collection(sink.Objects,
            e => Assert.Equal(0, Assert.IsType<ImageEditPartialImageEvent>(e).PartialImageIndex),
            e => Assert.Equal(1, Assert.IsType<ImageEditPartialImageEvent>(e).PartialImageIndex),
            e => Assert.NotNull(Assert.IsType<ImageEditCompletedEvent>(e).Usage));
    }

    [Fact]
    public async Task An_error_event_is_an_ApiException_of_kind_StreamErrorEvent()
    {
        fixture.Server.Script.Enqueue([new ScriptStep { ErrorAfter = 0 }]);

        var error = await Assert.ThrowsAsync<ApiException>(() => new StreamOperation(Connection(), Context(null)).RunAsync(Streamed(1), new CollectingSink(), CancellationToken.None));

        Assert.Equal(ApiFailureKind.StreamErrorEvent, error.Kind);
        Assert.Equal("image_generation_failed", error.Code);
    }

    [Fact]
    public async Task A_stream_that_goes_quiet_for_longer_than_the_timeout_fails_with_a_timeout()
    {
        // The timeout also covers the wait for the first event, so it is not made tight: under load here this test took
        // up to 2.5 s with a 1 s timeout, close to failing for want of its first event.
        fixture.Server.Script.Enqueue([new ScriptStep { PauseMs = 9000 }]);
        var sink = new CollectingSink();

        // An image had reached the pipeline, so the timeout's advice says the stream is not asked for again.
        await Assert.ThrowsAnyAsync<TimeoutException>(() => new StreamOperation(Connection(TimeSpan.FromSeconds(3), retries: 0), Context(null)).RunAsync(Streamed(1), sink, CancellationToken.None));

        Assert.Single(sink.Objects);
    }
}
