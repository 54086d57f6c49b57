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

/// <summary>The local server's Batch API as a batch lives: validated, advanced, cancelled, expired, run in auto mode, and at 5,000 lines.</summary>
public class TestServerBatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private TestApiServer Server => fixture.Server;

    public Task InitializeAsync() => TestServerHttp.ResetAsync(Server);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_batch_validates_then_runs_its_lines_as_it_is_advanced_and_writes_the_output_file()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string jsonl = string.Join("\n",
            Line("row-1", EditBody(imageId)),
            Line("row-2", new { images = new[] { new { image_url = TestServerHttp.DataUrl(Png) } }, prompt = "Make it dusk", model = "gpt-image-1.5", n = 2 }),
            Line("row-3", EditBody(imageId, "Paint it", "jpeg"))) + "\n";
        string inputId = await UploadInputAsync(client, jsonl);
        long before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var created = await CreateAsync(client, inputId, new { customer_id = "user_123" });

        string batchId = (string)created["id"]!;
        Assert.Matches(new Regex("^batch_[A-Za-z0-9]{24}$"), batchId);
        Assert.Equal("batch", (string?)created["object"]);
        Assert.Equal(Endpoint, (string?)created["endpoint"]);
        Assert.Equal(inputId, (string?)created["input_file_id"]);
        Assert.Equal("24h", (string?)created["completion_window"]);
        Assert.Equal("validating", (string?)created["status"]);
        Assert.InRange(Seconds(created, "created_at"), before, before + 5);
        foreach (var name in new[] { "errors", "output_file_id", "error_file_id", "in_progress_at", "expires_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at" })
        {
            Assert.True(created.AsObject().ContainsKey(name), name);
            Assert.Null(created[name]);
        }
        Assert.Equal("{\"total\":0,\"completed\":0,\"failed\":0}", created["request_counts"]!.ToJsonString());
        Assert.Equal("user_123", (string?)created["metadata"]!["customer_id"]);
        var createRequest = Server.Requests.Single(r => r.Method == "POST" && r.Path == "/v1/batches");
        Assert.Equal((200, batchId, inputId), (createRequest.Status, createRequest.Outcome, createRequest.Field("input_file_id")));
        Assert.Null(createRequest.BodyForm);

        // Nothing runs until the batch is moved on.
        Assert.Equal("validating", (string?)(await RetrieveAsync(client, batchId))["status"]);
        var started = await AdvanceAsync(client, batchId);
        Assert.Equal("in_progress", (string?)started["status"]);
        Assert.Equal(3, (int)started["request_counts"]!["total"]!);
        Assert.Equal(Seconds(started, "created_at") + 86400, Seconds(started, "expires_at"));
        Assert.NotNull(started["in_progress_at"]);
        Assert.Empty(Server.BatchLines);

        var one = await AdvanceAsync(client, batchId, "{\"complete\":1}");
        Assert.Equal("in_progress", (string?)one["status"]);
        Assert.Equal(1, (int)one["request_counts"]!["completed"]!);
        Assert.Equal("row-1", Assert.Single(Server.BatchLines).CustomId);

        var done = await AdvanceAsync(client, batchId, "{\"to\":\"completed\"}");
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("{\"total\":3,\"completed\":3,\"failed\":0}", done["request_counts"]!.ToJsonString());
        Assert.NotNull(done["finalizing_at"]);
        Assert.NotNull(done["completed_at"]);
        Assert.Null(done["error_file_id"]);
        Assert.Null(done["errors"]);
        Assert.True((long)done["usage"]!["total_tokens"]! > 0);
        string outputId = (string)done["output_file_id"]!;
        Assert.Equal(done.ToJsonString(), (await RetrieveAsync(client, batchId)).ToJsonString());

        var file = await TestServerHttp.JsonAsync(await client.GetAsync($"/v1/files/{outputId}"));
        Assert.Equal("batch_output", (string?)file["purpose"]);
        var lines = await ResultLinesAsync(client, outputId);
        Assert.Equal(new[] { "row-1", "row-2", "row-3" }, lines.Select(l => (string)l["custom_id"]!));
        var records = Server.BatchLines;
        Assert.Equal(new[] { 1, 2, 3 }, records.Select(r => r.Line));
        for (int i = 0; i < 3; i++)
        {
            var line = lines[i];
            Assert.Equal(new[] { "id", "custom_id", "response", "error" }, line.AsObject().Select(p => p.Key));
            Assert.Matches(new Regex("^batch_req_[A-Za-z0-9]{24}$"), (string)line["id"]!);
            Assert.Null(line["error"]);
            Assert.True(line.AsObject().ContainsKey("error"));
            var response = line["response"]!;
            Assert.Equal(200, (int)response["status_code"]!);
            Assert.Matches(new Regex("^req_[0-9a-f]{32}$"), (string)response["request_id"]!);
            Assert.Equal(records[i].RequestId, (string?)response["request_id"]);
            var images = response["body"]!["data"]!.AsArray().Select(d => Convert.FromBase64String((string)d!["b64_json"]!)).ToList();
            Assert.Equal(records[i].ReturnedImageSha256, images.Select(TestServerHttp.Sha256));
            Assert.Equal((batchId, 200, (string?)null), (records[i].BatchId, records[i].Status, records[i].ErrorCode));
        }
        Assert.Equal(2, lines[1]["response"]!["body"]!["data"]!.AsArray().Count);
        Assert.Equal("jpeg", ImageFactory.Sniff(Convert.FromBase64String((string)lines[2]["response"]!["body"]!["data"]![0]!["b64_json"]!)));
        Assert.Equal("jpeg", (string?)lines[2]["response"]!["body"]!["output_format"]);
        Assert.Equal(imageId, records[0].ImageRefs.Single().FileId);
        Assert.Equal("data_url", records[1].ImageRefs.Single().Kind);
        Assert.Equal("2", records[1].Field("n"));

        // The control endpoint lists the same lines, camelCase.
        using var control = TestServerHttp.Client(Server, authorised: false);
        var listed = JsonNode.Parse(await control.GetStringAsync($"/_control/batches?batchId={batchId}"))!.AsArray();
        Assert.Equal(3, listed.Count);
        Assert.Equal(batchId, (string?)listed[0]!["batchId"]);
        Assert.Equal("row-1", (string?)listed[0]!["customId"]);
        Assert.Equal(200, (int)listed[0]!["status"]!);
        Assert.Equal(records[0].ReturnedImageSha256.Single(), (string?)listed[0]!["returnedImageSha256"]![0]);
        Assert.Equal(imageId, (string?)listed[0]!["imageRefs"]![0]!["fileId"]);
        Assert.Empty(Server.Edits);
    }

    [Fact]
    public async Task Scripted_invalid_and_retired_lines_land_in_the_error_file()
    {
        using var client = TestServerHttp.Client(Server);
        using var control = TestServerHttp.Client(Server, authorised: false);
        string imageId = await UploadImageAsync(client);
        var models = ModelCatalog.Defaults();
        models.Add(new ModelEntry { Id = "gpt-image-0", Retired = true });
        Assert.Equal(HttpStatusCode.NoContent, (await TestServerHttp.PostJsonAsync(control, "/_control/models", JsonSerializer.Serialize(models))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await TestServerHttp.PostJsonAsync(control, "/_control/batch-failures", "[\"row-2\",{\"custom_id\":\"row-6\",\"status_code\":500,\"code\":\"server_error\",\"message\":\"Boom.\"}]")).StatusCode);
        string jsonl = string.Join("\n",
            Line("row-1", EditBody(imageId)),
            Line("row-2", EditBody(imageId)),
            Line("row-3", new { images = new[] { new { file_id = imageId } }, prompt = "x", colour = "red" }),
            Line("row-4", new { images = new[] { new { file_id = imageId } }, prompt = "x", model = "gpt-image-0" }),
            Line("row-5", new { images = new[] { new { file_id = "file-ZZZZZZZZZZZZZZZZZZZZZZZZ" } }, prompt = "x" }),
            Line("row-6", EditBody(imageId)),
            Line("row-7", new { images = new[] { new { file_id = imageId } }, prompt = "x", stream = true }));
        string batchId = (string)(await CreateAsync(client, await UploadInputAsync(client, jsonl)))["id"]!;

        var done = await AdvanceAsync(client, batchId, "{\"to\":\"completed\"}");

        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal("{\"total\":7,\"completed\":1,\"failed\":6}", done["request_counts"]!.ToJsonString());
        var output = await ResultLinesAsync(client, (string)done["output_file_id"]!);
        Assert.Equal("row-1", (string?)Assert.Single(output)["custom_id"]);
        var errors = await ResultLinesAsync(client, (string)done["error_file_id"]!);
        Assert.Equal(new[] { "row-2", "row-3", "row-4", "row-5", "row-6", "row-7" }, errors.Select(l => (string)l["custom_id"]!));
        Assert.All(errors, l => Assert.Null(l["error"]));
        var expected = new (int Status, string Type, string? Param, string Code)[]
        {
            (400, "invalid_request_error", null, "scripted_failure"),
            (400, "invalid_request_error", "colour", "unknown_parameter"),
            (404, "invalid_request_error", null, "model_not_found"),
            (404, "invalid_request_error", "images[0].file_id", "file_not_found"),
            (500, "server_error", null, "server_error"),
            (400, "invalid_request_error", "stream", "unsupported_parameter"),
        };
        for (int i = 0; i < expected.Length; i++)
        {
            var response = errors[i]["response"]!;
            var error = response["body"]!["error"]!;
            Assert.Equal(expected[i], ((int)response["status_code"]!, (string)error["type"]!, (string?)error["param"], (string)error["code"]!));
            Assert.False(string.IsNullOrEmpty((string?)error["message"]));
            Assert.Matches(new Regex("^req_[0-9a-f]{32}$"), (string)response["request_id"]!);
        }
        Assert.Equal("Boom.", (string?)errors[4]["response"]!["body"]!["error"]!["message"]);
        Assert.Equal(new[] { 200, 400, 400, 404, 404, 500, 400 }, Server.BatchLines.Select(r => r.Status));
        Assert.Empty(Server.BatchLines[1].ReturnedImageSha256);
    }

    [Fact]
    public async Task Cancelling_halfway_keeps_the_lines_already_done()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string jsonl = string.Join("\n", Enumerable.Range(1, 4).Select(i => Line($"row-{i}", EditBody(imageId))));
        string batchId = (string)(await CreateAsync(client, await UploadInputAsync(client, jsonl)))["id"]!;
        await AdvanceAsync(client, batchId, "{\"complete\":2}");

        var cancel = await client.PostAsync($"/v1/batches/{batchId}/cancel", null);
        var cancelling = await TestServerHttp.JsonAsync(cancel);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("cancelling", (string?)cancelling["status"]);
        Assert.NotNull(cancelling["cancelling_at"]);
        Assert.Null(cancelling["cancelled_at"]);
        Assert.Equal("cancelling", (string?)(await RetrieveAsync(client, batchId))["status"]);

        var cancelled = await AdvanceAsync(client, batchId);
        Assert.Equal("cancelled", (string?)cancelled["status"]);
        Assert.NotNull(cancelled["cancelled_at"]);
        Assert.Equal("{\"total\":4,\"completed\":2,\"failed\":0}", cancelled["request_counts"]!.ToJsonString());
        var output = await ResultLinesAsync(client, (string)cancelled["output_file_id"]!);
        Assert.Equal(new[] { "row-1", "row-2" }, output.Select(l => (string)l["custom_id"]!));
        var unrun = await ResultLinesAsync(client, (string)cancelled["error_file_id"]!);
        Assert.Equal(new[] { "row-3", "row-4" }, unrun.Select(l => (string)l["custom_id"]!));
        Assert.All(unrun, l =>
        {
            Assert.Null(l["response"]);
            Assert.True(l.AsObject().ContainsKey("response"));
            Assert.Equal("batch_cancelled", (string?)l["error"]!["code"]);
        });
        Assert.Equal(2, Server.BatchLines.Count);

        await TestServerHttp.ErrorAsync(await client.PostAsync($"/v1/batches/{batchId}/cancel", null), HttpStatusCode.Conflict, null, null);
        var again = await client.PostAsync($"/_control/batches/{batchId}/advance", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Expiring_keeps_what_is_done_and_reports_the_rest_as_batch_expired()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        string jsonl = string.Join("\n", Enumerable.Range(1, 3).Select(i => Line($"row-{i}", EditBody(imageId))));
        string batchId = (string)(await CreateAsync(client, await UploadInputAsync(client, jsonl)))["id"]!;

        var expired = await AdvanceAsync(client, batchId, "{\"complete\":1,\"to\":\"expired\"}");

        Assert.Equal("expired", (string?)expired["status"]);
        Assert.NotNull(expired["expired_at"]);
        Assert.Equal("{\"total\":3,\"completed\":1,\"failed\":0}", expired["request_counts"]!.ToJsonString());
        Assert.Single(await ResultLinesAsync(client, (string)expired["output_file_id"]!));
        var rest = await ResultLinesAsync(client, (string)expired["error_file_id"]!);
        Assert.Equal(new[] { "row-2", "row-3" }, rest.Select(l => (string)l["custom_id"]!));
        Assert.All(rest, l => Assert.Equal("batch_expired", (string?)l["error"]!["code"]));
    }

    [Fact]
    public async Task In_auto_mode_a_batch_completes_on_the_first_GET_and_reset_restores_manual_mode()
    {
        using var client = TestServerHttp.Client(Server);
        using var control = TestServerHttp.Client(Server, authorised: false);
        string imageId = await UploadImageAsync(client);
        var mode = await TestServerHttp.JsonAsync(await TestServerHttp.PostJsonAsync(control, "/_control/batch-mode", "{\"auto\":true}"));
        Assert.True((bool)mode["auto"]!);
        string jsonl = Line("row-1", EditBody(imageId)) + "\n" + Line("row-2", EditBody(imageId, "Again"));

        var created = await CreateAsync(client, await UploadInputAsync(client, jsonl));
        Assert.Equal("validating", (string?)created["status"]);

        var done = await RetrieveAsync(client, (string)created["id"]!);
        Assert.Equal("completed", (string?)done["status"]);
        Assert.Equal(2, (await ResultLinesAsync(client, (string)done["output_file_id"]!)).Count);

        // Listing runs batches too, and a cancelled one ends on the next GET.
        var second = await CreateAsync(client, await UploadInputAsync(client, jsonl));
        Assert.Equal("cancelling", (string?)(await TestServerHttp.JsonAsync(await client.PostAsync($"/v1/batches/{(string)second["id"]!}/cancel", null)))["status"]);
        var listed = await TestServerHttp.JsonAsync(await client.GetAsync("/v1/batches"));
        Assert.Equal(new[] { "cancelled", "completed" }, listed["data"]!.AsArray().Select(b => (string)b!["status"]!));

        await TestServerHttp.ResetAsync(Server);
        Assert.False((bool)JsonNode.Parse(await control.GetStringAsync("/_control/batch-mode"))!["auto"]!);
        Assert.Empty(Server.Batches.All);
        Assert.Empty(Server.BatchLines);
    }

    [Fact]
    public async Task Advance_all_completes_every_open_batch()
    {
        using var client = TestServerHttp.Client(Server);
        using var control = TestServerHttp.Client(Server, authorised: false);
        string imageId = await UploadImageAsync(client);
        string inputId = await UploadInputAsync(client, Line("row-1", EditBody(imageId)));
        string a = (string)(await CreateAsync(client, inputId))["id"]!;
        string b = (string)(await CreateAsync(client, inputId))["id"]!;

        var all = await TestServerHttp.JsonAsync(await TestServerHttp.PostJsonAsync(control, "/_control/batches/advance-all", "{\"to\":\"completed\"}"));

        Assert.Equal(new[] { "completed", "completed" }, all["data"]!.AsArray().Select(x => (string)x!["status"]!));
        Assert.Equal("completed", (string?)(await RetrieveAsync(client, a))["status"]);
        Assert.Equal(2, Server.BatchLines.Count(l => l.BatchId == a || l.BatchId == b));
        var bad = await TestServerHttp.PostJsonAsync(control, $"/_control/batches/{a}/advance", "{\"to\":\"sideways\"}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await control.PostAsync("/_control/batches/batch_nope/advance", null)).StatusCode);
    }

    [Fact]
    public async Task Five_thousand_lines_run_to_completion()
    {
        using var client = TestServerHttp.Client(Server);
        string imageId = await UploadImageAsync(client);
        var builder = new StringBuilder();
        for (int i = 0; i < 5000; i++) builder.Append(Line($"row-{i}", EditBody(imageId, $"Edit {i}"))).Append('\n');
        string batchId = (string)(await CreateAsync(client, await UploadInputAsync(client, builder.ToString())))["id"]!;

        var clock = Stopwatch.StartNew();
        var done = await AdvanceAsync(client, batchId, "{\"to\":\"completed\"}");
        clock.Stop();

        Assert.Equal("{\"total\":5000,\"completed\":5000,\"failed\":0}", done["request_counts"]!.ToJsonString());
        var lines = await ResultLinesAsync(client, (string)done["output_file_id"]!);
        Assert.Equal(5000, lines.Count);
        Assert.Equal("row-4999", (string?)lines[^1]["custom_id"]);
        Assert.Equal(5000, Server.BatchLines.Select(l => l.CustomId).Distinct().Count());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"5,000 lines took {clock.Elapsed}.");
    }
}
