using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ImageEdit.TestServer;
using static ImageEdit.Tests.TestServerBatchHttp;

namespace ImageEdit.Tests;

/// <summary>The local server's Batch API refusing what OpenAI refuses: listing and retrieving need the key; malformed, empty, oversized and overlong input files; the create call's purpose, endpoint and window.</summary>
public class TestServerBatchInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Batches_are_listed_newest_first_retrieved_and_need_the_key()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string inputId = await UploadInputAsync(client, Line("row-1", EditBody(imageId)));
        var ids = new List<string>();
        for (int i = 0; i < 3; i++) ids.Add((string)(await CreateAsync(client, inputId))["id"]!);

        var list = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/batches"));
        Assert.Equal("list", (string?)list["object"]);
        Assert.Equal(new[] { ids[2], ids[1], ids[0] }, list["data"]!.AsArray().Select(b => (string)b!["id"]!));
        Assert.Equal(ids[2], (string?)list["first_id"]);
        Assert.Equal(ids[0], (string?)list["last_id"]);
        Assert.False((bool)list["has_more"]!);

        var page = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/batches?limit=2"));
        Assert.Equal(new[] { ids[2], ids[1] }, page["data"]!.AsArray().Select(b => (string)b!["id"]!));
        Assert.True((bool)page["has_more"]!);
        var next = await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/batches?limit=2&after={ids[1]}"));
        Assert.Equal(new[] { ids[0] }, next["data"]!.AsArray().Select(b => (string)b!["id"]!));
        Assert.False((bool)next["has_more"]!);
        await TestServerHttp.ErrorAsync(await client.GetAsync("/v1/batches?limit=101"), HttpStatusCode.BadRequest, "limit", "invalid_value");

        var one = await RetrieveAsync(client, ids[1]);
        Assert.Equal(list["data"]![1]!.ToJsonString(), one.ToJsonString());
        var missing = await TestServerHttp.ErrorAsync(await client.GetAsync("/v1/batches/batch_nope"), HttpStatusCode.NotFound, "id", null);
        Assert.Equal("No such Batch object: batch_nope", (string?)missing["message"]);
        await TestServerHttp.ErrorAsync(await client.PostAsync("/v1/batches/batch_nope/cancel", null), HttpStatusCode.NotFound, "id", null);

        using var anonymous = TestServerHttp.Client(Server, authorised: false);
        await TestServerHttp.ErrorAsync(await anonymous.GetAsync("/v1/batches"), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        await TestServerHttp.ErrorAsync(await anonymous.GetAsync($"/v1/batches/{ids[0]}"), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        await TestServerHttp.ErrorAsync(await anonymous.PostAsync($"/v1/batches/{ids[0]}/cancel", null), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        await TestServerHttp.ErrorAsync(await TestServerHttp.PostJsonAsync(anonymous, "/v1/batches", JsonSerializer.Serialize(new { input_file_id = inputId, endpoint = Endpoint, completion_window = "24h" })), HttpStatusCode.Unauthorized, null, "invalid_api_key");
        Assert.Equal(3, Server.Batches.All.Count);
        Assert.Equal("validating", (string?)(await RetrieveAsync(client, ids[0]))["status"]);
        Assert.All(Server.Requests.Where(r => r.Path.StartsWith("/v1/batches")), r => Assert.NotEqual(0, r.Status));
    }

    [Fact]
    public async Task A_malformed_input_file_fails_the_batch_with_errors_by_line()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string jsonl = string.Join("\n",
            Line("row-1", EditBody(imageId)),
            "{\"custom_id\": \"row-2\", \"method\": \"POST\"",
            JsonSerializer.Serialize(new { method = "POST", url = Endpoint, body = EditBody(imageId) }),
            Line("row-1", EditBody(imageId)),
            Line("row-5", EditBody(imageId), url: "/v1/images/generations"),
            "",
            Line("row-7", EditBody(imageId), method: "GET"),
            "[1, 2]",
            JsonSerializer.Serialize(new { custom_id = "row-9", method = "POST", url = Endpoint }));
        string batchId = (string)(await CreateAsync(client, await UploadInputAsync(client, jsonl)))["id"]!;

        var failed = await AdvanceAsync(client, batchId);

        Assert.Equal("failed", (string?)failed["status"]);
        Assert.NotNull(failed["failed_at"]);
        Assert.Null(failed["in_progress_at"]);
        Assert.Null(failed["output_file_id"]);
        Assert.Equal("list", (string?)failed["errors"]!["object"]);
        var errors = failed["errors"]!["data"]!.AsArray();
        Assert.Equal(
            new (string, int, string?)[] { ("invalid_json_line", 2, null), ("missing_required_parameter", 3, "custom_id"), ("duplicate_custom_id", 4, "custom_id"), ("url_mismatch", 5, "url"), ("invalid_method", 7, "method"), ("invalid_json_line", 8, null), ("missing_required_parameter", 9, "body") },
            errors.Select(e => ((string)e!["code"]!, (int)e["line"]!, (string?)e["param"])));
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty((string?)e!["message"])));
        Assert.Empty(Server.BatchLines);
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync($"/_control/batches/{batchId}/advance", null)).StatusCode);
    }

    [Fact]
    public async Task Empty_oversized_and_overlong_input_files_fail_the_batch()
    {
        using var client = TestServerHttp.Client(Server);
        using var control = TestServerHttp.Client(Server, authorised: false);

        string empty = (string)(await CreateAsync(client, await UploadInputAsync(client, "\n  \n")))["id"]!;
        var error = (await AdvanceAsync(client, empty))["errors"]!["data"]![0]!;
        Assert.Equal("empty_file", (string?)error["code"]);
        Assert.Null(error["line"]);

        var line = Line("row-x", new { prompt = "x", images = new[] { new { file_id = "file-x" } } });
        string tooMany = (string)(await CreateAsync(client, await UploadInputAsync(client, string.Join("\n", Enumerable.Range(0, 50_001).Select(i => line.Replace("row-x", $"row-{i}"))))))["id"]!;
        var tooManyBatch = await AdvanceAsync(client, tooMany);
        Assert.Equal("failed", (string?)tooManyBatch["status"]);
        Assert.Equal("too_many_tasks", (string?)Assert.Single(tooManyBatch["errors"]!["data"]!.AsArray())!["code"]);

        // 200 MB is the contract's limit; the test lowers it rather than uploading that much.
        var mode = await TestServerHttp.JsonAsync(await TestServerHttp.PostJsonAsync(control, "/_control/batch-mode", "{\"maxInputBytes\":100}"));
        Assert.Equal(100, (long)mode["maxInputBytes"]!);
        string tooLarge = (string)(await CreateAsync(client, await UploadInputAsync(client, line + "\n" + line.Replace("row-x", "row-y"))))["id"]!;
        var tooLargeBatch = await AdvanceAsync(client, tooLarge, "{\"to\":\"completed\"}");
        Assert.Equal("failed", (string?)tooLargeBatch["status"]);
        Assert.Equal("file_too_large", (string?)tooLargeBatch["errors"]!["data"]![0]!["code"]);
    }

    [Fact]
    public async Task Creating_a_batch_needs_a_batch_purpose_file_the_edits_endpoint_and_a_24h_window()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string visionId = await UploadInputAsync(client, Line("row-1", EditBody(imageId)), purpose: "vision");
        string batchInput = await UploadInputAsync(client, Line("row-1", EditBody(imageId)));

        async Task<JsonNode> Refused(object body, string? param, string? code) =>
            await TestServerHttp.ErrorAsync(await TestServerHttp.PostJsonAsync(client, "/v1/batches", JsonSerializer.Serialize(body)), HttpStatusCode.BadRequest, param, code);

        var wrongPurpose = await Refused(new { input_file_id = visionId, endpoint = Endpoint, completion_window = "24h" }, "input_file_id", "invalid_file_purpose");
        Assert.Contains("'vision'", (string)wrongPurpose["message"]!);
        await Refused(new { input_file_id = imageId, endpoint = Endpoint, completion_window = "24h" }, "input_file_id", "invalid_file_purpose");
        await Refused(new { input_file_id = "file-ZZZZZZZZZZZZZZZZZZZZZZZZ", endpoint = Endpoint, completion_window = "24h" }, "input_file_id", "file_not_found");
        await Refused(new { input_file_id = batchInput, endpoint = "/v1/chat/completions", completion_window = "24h" }, "endpoint", "invalid_value");
        await Refused(new { input_file_id = batchInput, endpoint = "/v1/nothing", completion_window = "24h" }, "endpoint", "invalid_value");
        await Refused(new { input_file_id = batchInput, endpoint = Endpoint, completion_window = "1h" }, "completion_window", "invalid_value");
        await Refused(new { input_file_id = batchInput, endpoint = Endpoint }, "completion_window", "missing_required_parameter");
        await Refused(new { endpoint = Endpoint, completion_window = "24h" }, "input_file_id", "missing_required_parameter");
        await Refused(new { input_file_id = batchInput, endpoint = Endpoint, completion_window = "24h", colour = "red" }, "colour", "unknown_parameter");
        await Refused(new { input_file_id = batchInput, endpoint = Endpoint, completion_window = "24h", metadata = new { n = 1 } }, "metadata.n", "invalid_type");
        await Refused(new { input_file_id = batchInput, endpoint = Endpoint, completion_window = "24h", output_expires_after = new { anchor = "created_at", seconds = 60 } }, "output_expires_after.seconds", "integer_out_of_range");
        await TestServerHttp.ErrorAsync(await TestServerHttp.PostJsonAsync(client, "/v1/batches", "{not json"), HttpStatusCode.BadRequest, null, null);
        Assert.Empty(Server.Batches.All);

        var response = await TestServerHttp.PostJsonAsync(client, "/v1/batches",
            JsonSerializer.Serialize(new { input_file_id = batchInput, endpoint = Endpoint, completion_window = "24h", output_expires_after = new { anchor = "created_at", seconds = 7200 } }));
        string batchId = (string)(await TestServerHttp.JsonAsync(response))["id"]!;
        var done = await AdvanceAsync(client, batchId, "{\"to\":\"completed\"}");
        var output = await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/files/{(string)done["output_file_id"]!}"));
        Assert.Equal((long)output["created_at"]! + 7200, (long)output["expires_at"]!);
    }
}
