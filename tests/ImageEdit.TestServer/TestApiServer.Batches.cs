using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Problem = ImageEdit.TestServer.ContractValidator.Problem;

namespace ImageEdit.TestServer;

/// <summary>
/// The Batch API (openapi.transformed.yml: CreateBatchRequest, Batch, BatchRequestCounts, ListBatchesResponse) for
/// /v1/images/edits. A batch stays "validating" until a test moves it on through /_control/batches/{id}/advance (or
/// the server is in auto mode); its lines then run as JSON edits would, and their answers become the output and
/// error files in the Files API. Every /v1/batches request is recorded and needs the key.
/// </summary>
public sealed partial class TestApiServer
{
    private const long CompletionWindowSeconds = 24 * 60 * 60;
    private static readonly string[] BatchEndpoints =
        ["/v1/responses", "/v1/chat/completions", "/v1/embeddings", "/v1/completions", "/v1/moderations", "/v1/images/generations", "/v1/images/edits", "/v1/videos"];
    private static readonly string[] AdvanceTargets = ["in_progress", "finalizing", "completed", "expired", "failed", "cancelled"];
    private static readonly JsonWriterOptions ResultLineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Batches, their executed lines, scripted failures and the batch mode.</summary>
    public BatchStore Batches { get; } = new();

    /// <summary>Every batch line that ran, in the order it ran.</summary>
    public IReadOnlyList<BatchLineRecord> BatchLines => Batches.Lines;

    private void MapBatchesApi(WebApplication app)
    {
        app.MapPost("/v1/batches", CreateBatchAsync);
        app.MapGet("/v1/batches", ListBatchesAsync);
        app.MapGet("/v1/batches/{batch_id}", (HttpContext context, string batch_id) => RetrieveBatchAsync(context, batch_id));
        app.MapPost("/v1/batches/{batch_id}/cancel", (HttpContext context, string batch_id) => CancelBatchAsync(context, batch_id));

        app.MapGet("/_control/batches", (HttpContext context) =>
        {
            string? batchId = context.Request.Query["batchId"].FirstOrDefault();
            return Results.Json(BatchLines.Where(l => string.IsNullOrEmpty(batchId) || l.BatchId == batchId));
        });
        app.MapPost("/_control/batches/advance-all", async (HttpContext context) =>
        {
            var (request, problem) = await ReadControlBodyAsync<BatchAdvanceRequest>(context);
            if (problem != null) return Results.BadRequest(new { error = problem });
            var data = new JsonArray();
            foreach (var job in Batches.All)
            {
                // Batches that cannot go where asked (ended ones among them) are left as they are.
                lock (job.Gate)
                {
                    if (!job.IsTerminal) Advance(job, request ?? new BatchAdvanceRequest(), out _);
                    data.Add(job.ToJson());
                }
            }
            return Results.Content(new JsonObject { ["object"] = "list", ["data"] = data }.ToJsonString(), "application/json");
        });
        app.MapPost("/_control/batches/{batch_id}/advance", async (HttpContext context, string batch_id) =>
        {
            var (request, problem) = await ReadControlBodyAsync<BatchAdvanceRequest>(context);
            if (problem != null) return Results.BadRequest(new { error = problem });
            if (!Batches.TryGet(batch_id, out var job)) return Results.NotFound(new { error = $"No batch '{batch_id}'." });
            lock (job.Gate)
            {
                if (!Advance(job, request ?? new BatchAdvanceRequest(), out int status))
                {
                    return Results.Json(new { error = AdvanceRefusal(job, request) }, statusCode: status);
                }
                return Results.Content(job.ToJson().ToJsonString(), "application/json");
            }
        });
        app.MapGet("/_control/batch-mode", () => Results.Content(Batches.ModeJson().ToJsonString(), "application/json"));
        app.MapPost("/_control/batch-mode", async (HttpContext context) =>
        {
            var (request, problem) = await ReadControlBodyAsync<BatchModeRequest>(context);
            if (problem != null) return Results.BadRequest(new { error = problem });
            if (request?.MaxRequests is < 1) return Results.BadRequest(new { error = "maxRequests must be at least 1." });
            if (request?.MaxInputBytes is < 1) return Results.BadRequest(new { error = "maxInputBytes must be at least 1." });
            if (request?.Auto is { } auto) Batches.Auto = auto;
            if (request?.MaxRequests is { } maxRequests) Batches.MaxRequests = maxRequests;
            if (request?.MaxInputBytes is { } maxBytes) Batches.MaxInputBytes = maxBytes;
            if (request?.ImageBytes is { } imageBytes) Batches.ImageBytes = Math.Max(0, imageBytes);
            return Results.Content(Batches.ModeJson().ToJsonString(), "application/json");
        });
        app.MapGet("/_control/batch-failures", () => Results.Json(Batches.Failures));
        app.MapPost("/_control/batch-failures", async (HttpContext context) =>
        {
            List<BatchFailure> failures;
            try
            {
                failures = ReadFailures(await JsonNode.ParseAsync(context.Request.Body));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                return Results.BadRequest(new { error = "The body must be a JSON array of custom_ids, or of objects {custom_id, status_code?, code?, message?, type?}: " + ex.Message });
            }
            Batches.SetFailures(failures);
            return Results.NoContent();
        });
    }

    // ---- /v1/batches ----

    private async Task CreateBatchAsync(HttpContext context)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, recorded, 400,
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                "invalid_request_error", null, null);
            return;
        }
        Problem? problem;
        StoredFile? input;
        long? outputExpiresAfter;
        try
        {
            problem = CheckCreateBatch(body, recorded, out input, out outputExpiresAfter);
        }
        catch (ArgumentException)
        {
            // A JsonObject read from a body that names a property twice throws when it is first enumerated.
            problem = new Problem("Duplicate parameter: the request body names a property more than once.", null, "duplicate_parameter");
            input = null;
            outputExpiresAfter = null;
        }
        if (problem != null)
        {
            await WriteErrorAsync(context, recorded, problem.Status, problem.Message, "invalid_request_error", problem.Param, problem.Code);
            return;
        }
        var job = new BatchJob
        {
            Id = BatchStore.NewId(),
            Endpoint = (string)body!["endpoint"]!,
            InputFileId = input!.Id,
            CompletionWindow = (string)body["completion_window"]!,
            CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Order = Batches.NextOrder(),
            Metadata = body["metadata"] is JsonObject metadata ? (JsonObject)metadata.DeepClone() : null,
            OutputExpiresAfter = outputExpiresAfter,
            Input = input.Content,
        };
        Batches.Add(job);
        recorded.Outcome = job.Id;
        JsonObject answer;
        lock (job.Gate) answer = job.ToJson();
        await WriteJsonAsync(context, recorded, 200, answer);
    }

    private async Task ListBatchesAsync(HttpContext context)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        var query = context.Request.Query;
        int limit = 20;
        if (query["limit"].FirstOrDefault() is { } limitText && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > 100))
        {
            await WriteErrorAsync(context, recorded, 400, $"Invalid 'limit': '{limitText}' is not an integer between 1 and 100.", "invalid_request_error", "limit", "invalid_value");
            return;
        }
        var all = Batches.All.ToList();
        if (query["after"].FirstOrDefault() is { Length: > 0 } after)
        {
            int at = all.FindIndex(j => j.Id == after);
            if (at >= 0) all = all.Skip(at + 1).ToList();
        }
        var page = all.Take(limit).ToList();
        var data = new JsonArray();
        foreach (var job in page)
        {
            lock (job.Gate)
            {
                if (Batches.Auto) RunToEnd(job);
                data.Add(job.ToJson());
            }
        }
        await WriteJsonAsync(context, recorded, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["first_id"] = page.FirstOrDefault()?.Id,
            ["last_id"] = page.LastOrDefault()?.Id,
            ["has_more"] = all.Count > page.Count,
        });
    }

    private async Task RetrieveBatchAsync(HttpContext context, string batchId)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (await FindBatchAsync(context, recorded, batchId) is not { } job) return;
        JsonObject answer;
        lock (job.Gate)
        {
            if (Batches.Auto) RunToEnd(job);
            answer = job.ToJson();
        }
        await WriteJsonAsync(context, recorded, 200, answer);
    }

    private async Task CancelBatchAsync(HttpContext context, string batchId)
    {
        var recorded = Record(context);
        if (!await AuthoriseAsync(context, recorded)) return;
        if (await FindBatchAsync(context, recorded, batchId) is not { } job) return;
        JsonObject answer;
        string? refusal = null;
        lock (job.Gate)
        {
            if (job.Status is "validating" or "in_progress")
            {
                job.Status = "cancelling";
                job.CancellingAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            }
            else if (job.Status != "cancelling")
            {
                refusal = $"Cannot cancel a batch with status '{job.Status}'.";
            }
            answer = job.ToJson();
        }
        if (refusal != null)
        {
            await WriteErrorAsync(context, recorded, 409, refusal, "invalid_request_error", null, null);
            return;
        }
        recorded.Outcome = "cancelling";
        await WriteJsonAsync(context, recorded, 200, answer);
    }

    private async Task<BatchJob?> FindBatchAsync(HttpContext context, RecordedRequest recorded, string batchId)
    {
        if (Batches.TryGet(batchId, out var job)) return job;
        await WriteErrorAsync(context, recorded, 404, $"No such Batch object: {batchId}", "invalid_request_error", "id", null);
        return null;
    }
}
