using System.Net;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Output;
using ImageEdit.TestServer;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

/// <summary>The HTTP core and response mapping, against the real local server over loopback.</summary>
public class EditOperationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static EditContext Context(ImageFileWriter? writer) => new(writer, null, new RunTally(), "Edit-Image");

    private TestApiServer Server => fixture.Server;
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    private ApiConnection Connection(string? key = null, int retries = 2) =>
        new(Server.BaseUri, Secure(key ?? Server.ApiKey), "org-1", "proj-1", TimeSpan.FromSeconds(20), retries);

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (char c in text) secure.AppendChar(c);
        return secure;
    }

    [Fact]
    public async Task A_response_maps_onto_the_result_and_saved_files_hold_the_returned_bytes()
    {
        string folder = TestPaths.NewTempFolder();
        var sink = new CollectingSink();
        var request = new ImageEditRequest(new[] { Lighthouse }, "watercolour", fields: new Dictionary<string, object?> { ["n"] = 2, ["model"] = "gpt-image-1", ["quality"] = "high" });

        await new EditOperation(Connection(), Context(new ImageFileWriter(folder, false))).RunAsync(request, sink, CancellationToken.None);

        var result = Assert.IsType<ImageEditResult>(Assert.Single(sink.Objects));
        Assert.Equal(Lighthouse, result.SourcePath);
        Assert.Equal("gpt-image-1", result.Model);
        Assert.Equal("high", result.Quality);
        Assert.Equal("png", result.OutputFormat);
        Assert.Matches("^req_test", result.RequestId);
        Assert.True(result.Usage!.TotalTokens > 0);
        Assert.Equal(result.Usage.InputTokens + result.Usage.OutputTokens, result.Usage.TotalTokens);
        Assert.NotNull(result.Usage.InputTokensDetails);
        Assert.InRange(result.Created, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(2, result.Data.Count);
        Assert.Equal(new[] { "lighthouse-edited-1.png", "lighthouse-edited-2.png" }, result.Data.Select(d => Path.GetFileName(d.Path)));
        var returned = Server.Edits.Single(r => r.Field("prompt") == "watercolour" && r.Field("n") == "2").ReturnedImageSha256;
        Assert.Equal(returned, result.Data.Select(d => TestApiServer.Sha256(File.ReadAllBytes(d.Path!))));
        foreach (var image in result.Data)
        {
            Assert.Null(image.B64Json);
            Assert.Equal(File.ReadAllBytes(image.Path!), Convert.FromBase64String(image.GetB64Json()!));
            Assert.Equal(TestApiServer.Sha256(File.ReadAllBytes(image.Path!)), image.Sha256);
        }
        var sent = Server.Edits.Single(r => r.Headers["OpenAI-Project"] == "proj-1" && r.Field("prompt") == "watercolour" && r.Field("n") == "2");
        Assert.Equal("Bearer " + Server.ApiKey, sent.Headers["Authorization"]);
        Assert.Equal("org-1", sent.Headers["OpenAI-Organization"]);
        Assert.False(sent.Chunked);
        Assert.NotNull(sent.ContentLength);
    }

    [Fact]
    public async Task Existing_files_are_never_overwritten()
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, "lighthouse-edited.png"), "precious");
        var sink = new CollectingSink();

        await new EditOperation(Connection(), Context(new ImageFileWriter(folder, false))).RunAsync(new ImageEditRequest(new[] { Lighthouse }, "x"), sink, CancellationToken.None);

        var result = (ImageEditResult)Assert.Single(sink.Objects);
        Assert.Equal("precious", File.ReadAllText(Path.Combine(folder, "lighthouse-edited.png")));
        Assert.Equal("lighthouse-edited (2).png", Path.GetFileName(result.Data[0].Path));
        Assert.DoesNotContain(Directory.GetFiles(folder), f => f.EndsWith(".partial"));
    }

    [Fact]
    public async Task A_url_result_is_downloaded_without_the_key()
    {
        string folder = TestPaths.NewTempFolder();
        var sink = new CollectingSink();

        await new EditOperation(Connection(), Context(new ImageFileWriter(folder, false))).RunAsync(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "dall-e-2", ["size"] = "256x256" }), sink, CancellationToken.None);

        var image = ((ImageEditResult)Assert.Single(sink.Objects)).Data.Single();
        Assert.NotNull(image.Url);
        Assert.Null(image.B64Json);
        Assert.True(File.Exists(image.Path));
        var download = Server.Requests.Last(r => r.Path.StartsWith("/files/"));
        Assert.False(download.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task An_API_error_becomes_an_ApiException_with_what_the_API_said()
    {
        var error = await Assert.ThrowsAsync<ApiException>(() =>
            new EditOperation(Connection(key: "sk-wrong-key-123456"), Context(null)).RunAsync(new ImageEditRequest(new[] { Lighthouse }, "x"), new CollectingSink(), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("invalid_api_key", error.Code);
        Assert.Equal("invalid_request_error", error.ErrorType);
        Assert.StartsWith("req_test", error.RequestId);
        Assert.DoesNotContain("sk-wrong-key-123456", error.Message);
    }

    [Fact]
    public async Task A_transient_failure_is_retried_and_said_in_verbose()
    {
        var sink = new CollectingSink();
        string prompt = "retry " + Guid.NewGuid();
        Server.Script.Enqueue([new ScriptStep { Status = 503, Headers = new() { ["retry-after-ms"] = "10" } }]);

        await new EditOperation(Connection(), Context(null)).RunAsync(new ImageEditRequest(new[] { Lighthouse }, prompt), sink, CancellationToken.None);

        Assert.Single(sink.Objects);
        Assert.Equal(2, Server.Edits.Count(r => r.Field("prompt") == prompt));
        Assert.Contains(sink.VerboseLines, l => l.Contains("HTTP 503") && l.Contains("trying again"));
    }

    [Fact]
    public async Task A_body_cut_short_is_retried()
    {
        var sink = new CollectingSink();
        Server.Script.Enqueue([new ScriptStep { Action = "truncate" }]);

        await new EditOperation(Connection(), Context(null)).RunAsync(new ImageEditRequest(new[] { Lighthouse }, "truncated"), sink, CancellationToken.None);

        Assert.Single(sink.Objects);
    }

    [Theory]
    [InlineData("html", null, null, "text/html")]
    [InlineData("respond", "{\"created\":1,\"data\":[]}", "application/json", "without images")]
    [InlineData("respond", "{\"created\":1,\"data\":[{\"b64_json\":", "application/json", "could not read")]
    [InlineData("respond", "hello", "text/plain", "not JSON")]
    public async Task An_unusable_answer_is_an_error_naming_status_request_id_and_excerpt(string action, string? body, string? contentType, string expected)
    {
        Server.Script.Enqueue([new ScriptStep { Action = action, Status = action == "html" ? 502 : 200, Body = body, ContentType = contentType }]);

        var error = await Assert.ThrowsAsync<ApiException>(() =>
            new EditOperation(Connection(retries: 0), Context(null)).RunAsync(new ImageEditRequest(new[] { Lighthouse }, "x"), new CollectingSink(), CancellationToken.None));

        Assert.Contains(expected, error.Message);
        Assert.Contains("request id req_test", error.Message);
    }
}
