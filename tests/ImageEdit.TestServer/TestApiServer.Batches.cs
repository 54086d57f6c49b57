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

    /// <summary>Checks a CreateBatchRequest and finds its input file; records its top-level fields as text.</summary>
    private Problem? CheckCreateBatch(JsonNode? body, RecordedRequest recorded, out StoredFile? input, out long? outputExpiresAfter)
    {
        input = null;
        outputExpiresAfter = null;
        if (body is not JsonObject request) return new Problem("Invalid type for the request body: expected an object.", null, "invalid_type");
        string[] known = ["input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"];
        foreach (var (name, value) in request)
        {
            if (!known.Contains(name)) return new Problem($"Unknown parameter: '{name}'.", name, "unknown_parameter");
            recorded.Fields.Add(new RecordedField(name, value is JsonValue v && v.TryGetValue(out string? text) ? text : value?.ToJsonString() ?? "null"));
        }
        foreach (var name in known[..3])
        {
            if (request[name] is null) return new Problem($"Missing required parameter: '{name}'.", name, "missing_required_parameter");
            if (request[name] is not JsonValue value || !value.TryGetValue(out string? _)) return new Problem($"Invalid type for '{name}': expected a string.", name, "invalid_type");
        }
        string inputFileId = (string)request["input_file_id"]!;
        string endpoint = (string)request["endpoint"]!;
        string window = (string)request["completion_window"]!;
        if (!BatchEndpoints.Contains(endpoint)) return new Problem($"Invalid value for 'endpoint': '{endpoint}' is not one of {string.Join(", ", BatchEndpoints)}.", "endpoint");
        if (endpoint != "/v1/images/edits") return new Problem($"Invalid value for 'endpoint': this test server runs batches for /v1/images/edits only, not '{endpoint}'.", "endpoint");
        if (window != "24h") return new Problem($"Invalid value for 'completion_window': '{window}'. Currently only '24h' is supported.", "completion_window");

        if (request["metadata"] is { } metadata && CheckMetadata(metadata) is { } metadataProblem) return metadataProblem;
        if (request["output_expires_after"] is { } expiry)
        {
            if (expiry is not JsonObject after) return new Problem("Invalid type for 'output_expires_after': expected an object.", "output_expires_after", "invalid_type");
            foreach (var (name, _) in after)
            {
                if (name is not ("anchor" or "seconds")) return new Problem($"Unknown parameter: 'output_expires_after.{name}'.", $"output_expires_after.{name}", "unknown_parameter");
            }
            if (after["anchor"] is null) return new Problem("Missing required parameter: 'output_expires_after.anchor'.", "output_expires_after.anchor", "missing_required_parameter");
            if (after["seconds"] is null) return new Problem("Missing required parameter: 'output_expires_after.seconds'.", "output_expires_after.seconds", "missing_required_parameter");
            if (after["anchor"] is not JsonValue anchor || !anchor.TryGetValue(out string? anchorText) || anchorText != "created_at")
            {
                return new Problem($"Invalid value for 'output_expires_after.anchor': {after["anchor"]!.ToJsonString()}; the only anchor is created_at.", "output_expires_after.anchor");
            }
            if (after["seconds"] is not JsonValue secondsValue || secondsValue.GetValueKind() != JsonValueKind.Number || !secondsValue.TryGetValue(out long seconds))
            {
                return new Problem("Invalid type for 'output_expires_after.seconds': expected an integer.", "output_expires_after.seconds", "invalid_type");
            }
            if (seconds < 3600 || seconds > 2592000) return new Problem($"Invalid 'output_expires_after.seconds': {seconds} is not between 3600 and 2592000.", "output_expires_after.seconds", "integer_out_of_range");
            outputExpiresAfter = seconds;
        }

        if (!Uploads.TryGet(inputFileId, out var file))
        {
            return new Problem($"Invalid 'input_file_id': no file with id '{inputFileId}' has been uploaded (No such File object: {inputFileId}).", "input_file_id", "file_not_found");
        }
        if (file.Purpose != "batch")
        {
            return new Problem($"Invalid 'input_file_id': the file '{inputFileId}' was uploaded with purpose '{file.Purpose}'; a batch's input file must be uploaded with purpose 'batch'.", "input_file_id", "invalid_file_purpose");
        }
        input = file;
        return null;
    }

    /// <summary>Metadata: null, or at most 16 string values under keys of at most 64 characters, values of at most 512.</summary>
    private static Problem? CheckMetadata(JsonNode metadata)
    {
        if (metadata is not JsonObject pairs) return new Problem("Invalid type for 'metadata': expected an object.", "metadata", "invalid_type");
        if (pairs.Count > 16) return new Problem($"Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got {pairs.Count}.", "metadata", "object_above_max_properties");
        foreach (var (key, value) in pairs)
        {
            if (key.Length > 64) return new Problem($"Invalid 'metadata': the key '{key[..20]}...' is longer than 64 characters.", "metadata", "string_above_max_length");
            if (value is not JsonValue text || !text.TryGetValue(out string? s)) return new Problem($"Invalid type for 'metadata.{key}': expected a string.", $"metadata.{key}", "invalid_type");
            if (s.Length > 512) return new Problem($"Invalid 'metadata.{key}': string too long. Expected a string with maximum length 512, but got a string with length {s.Length} instead.", $"metadata.{key}", "string_above_max_length");
        }
        return null;
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

    // ---- progress (call under job.Gate) ----

    /// <summary>
    /// Moves a batch along as /_control/batches/{id}/advance asks. Without "to" or "complete" it takes one step:
    /// validating to in_progress (or failed), in_progress to finalizing (running every remaining line), finalizing to
    /// completed, cancelling to cancelled. False (with the HTTP status to answer) when the batch cannot go there.
    /// </summary>
    private bool Advance(BatchJob job, BatchAdvanceRequest request, out int status)
    {
        status = 200;
        string? to = request.To;
        if ((to != null && !AdvanceTargets.Contains(to)) || request.Complete is < 0)
        {
            status = 400;
            return false;
        }
        if (job.IsTerminal)
        {
            status = 409;
            return false;
        }
        if (job.Status == "cancelling")
        {
            if (to is not (null or "cancelled"))
            {
                status = 409;
                return false;
            }
            FinishCancel(job);
            return true;
        }
        if (to == "cancelled")
        {
            status = 409;
            return false;
        }
        if (to == "failed")
        {
            Fail(job, [new BatchError(request.Code ?? "batch_failed", request.Message ?? "The batch failed (scripted through /_control).", null, null)]);
            return true;
        }
        if (job.Status == "validating")
        {
            Validate(job);
            if (job.Status == "failed") return true;
            if ((to is null or "in_progress") && request.Complete is null) return true;
        }
        if (request.Complete is { } count && job.Status == "in_progress") Execute(job, count);
        switch (to)
        {
            case null when request.Complete is null:
                if (job.Status == "in_progress") Finalize(job);
                else if (job.Status == "finalizing") Complete(job);
                break;
            case "finalizing":
                if (job.Status == "in_progress") Finalize(job);
                break;
            case "completed":
                if (job.Status == "in_progress") Finalize(job);
                Complete(job);
                break;
            case "expired":
                Expire(job);
                break;
        }
        return true;
    }

    private static string AdvanceRefusal(BatchJob job, BatchAdvanceRequest? request)
    {
        if (request?.To is { } to && !AdvanceTargets.Contains(to)) return $"'to' must be one of {string.Join(", ", AdvanceTargets)}; got '{to}'.";
        if (request?.Complete is < 0) return "'complete' must not be negative.";
        return $"The batch is {job.Status}; it cannot go to '{request?.To ?? "its next status"}'.";
    }

    /// <summary>What auto mode does on a GET: the batch runs to its end (completed, failed, or cancelled if it was cancelling).</summary>
    private void RunToEnd(BatchJob job)
    {
        if (job.Status == "cancelling")
        {
            FinishCancel(job);
            return;
        }
        if (job.Status == "validating") Validate(job);
        if (job.Status == "in_progress") Finalize(job);
        if (job.Status == "finalizing") Complete(job);
    }

    private void Validate(BatchJob job)
    {
        var result = BatchInputScanner.Scan(job.Input.Span, job.Endpoint, Batches.MaxRequests, Batches.MaxInputBytes);
        if (result.Errors.Count > 0)
        {
            Fail(job, result.Errors);
            return;
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        job.Lines = result.Lines;
        job.Total = result.Lines.Count;
        job.Status = "in_progress";
        job.InProgressAt = now;
        job.ExpiresAt = job.CreatedAt + CompletionWindowSeconds;
    }

    private static void Fail(BatchJob job, List<BatchError> errors)
    {
        job.Status = "failed";
        job.FailedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        job.Errors = errors;
        Release(job);
    }

    /// <summary>Runs every remaining line, then the batch is finalizing.</summary>
    private void Finalize(BatchJob job)
    {
        Execute(job, int.MaxValue);
        job.Status = "finalizing";
        job.FinalizingAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void Complete(BatchJob job)
    {
        job.FinalizingAt ??= DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        StoreResultFiles(job);
        job.Status = "completed";
        job.CompletedAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void Expire(BatchJob job)
    {
        WriteUnrun(job, "batch_expired", "This request could not be executed before the completion window expired.");
        StoreResultFiles(job);
        job.Status = "expired";
        job.ExpiredAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    private void FinishCancel(BatchJob job)
    {
        WriteUnrun(job, "batch_cancelled", "This request was not executed because the batch was cancelled.");
        StoreResultFiles(job);
        job.Status = "cancelled";
        job.CancelledAt = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>Lines that never ran go to the error file with response null and an error; they count neither as completed nor as failed.</summary>
    private static void WriteUnrun(BatchJob job, string code, string message)
    {
        for (; job.Next < job.Lines.Count; job.Next++)
        {
            var line = job.Lines[job.Next];
            job.ErrorOutput ??= new MemoryStream();
            using (var writer = new Utf8JsonWriter(job.ErrorOutput, ResultLineOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id", BatchStore.NewLineId());
                writer.WriteString("custom_id", line.CustomId);
                writer.WriteNull("response");
                writer.WriteStartObject("error");
                writer.WriteString("code", code);
                writer.WriteString("message", message);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            job.ErrorOutput.WriteByte((byte)'\n');
            job.ErrorLines++;
        }
    }

    /// <summary>Runs up to <paramref name="count"/> of the lines not yet run, in file order.</summary>
    private void Execute(BatchJob job, int count)
    {
        for (int done = 0; done < count && job.Next < job.Lines.Count; done++)
        {
            ExecuteLine(job, job.Lines[job.Next]);
            job.Next++;
        }
    }

    /// <summary>
    /// Runs one line as POST /v1/images/edits with a JSON body would run: JsonEditReader over the body's bytes in the
    /// input file, the retired-model check, ContractValidator.CheckJson, and BuildImagesResponse for the answer. A
    /// custom_id scripted through /_control/batch-failures fails whatever its body says. The edit script
    /// (/_control/script) is not consulted: it belongs to live edit requests.
    /// </summary>
    private void ExecuteLine(BatchJob job, BatchInputLine line)
    {
        var recorded = new RecordedRequest
        {
            Sequence = Batches.NextSequence(),
            ReceivedAt = DateTimeOffset.UtcNow,
            Method = "POST",
            Path = job.Endpoint,
            ContentType = "application/json",
            ContentLength = line.BodyLength,
            BodyForm = "json",
        };
        string requestId = BatchStore.NewRequestId();
        var body = new ReadOnlySequence<byte>(job.Input.Slice(line.BodyOffset, line.BodyLength));
        var problem = JsonEditReader.Parse(body, recorded, Uploads, HeadBytesKept);
        string type = "invalid_request_error";
        if (Batches.FailureFor(line.CustomId) is { } scripted)
        {
            problem = new Problem(scripted.Message ?? $"Scripted failure for custom_id '{line.CustomId}'.", null, scripted.Code, scripted.StatusCode);
            type = scripted.Type ?? (scripted.StatusCode >= 500 ? "server_error" : "invalid_request_error");
        }
        else if (problem == null)
        {
            string model = recorded.Field("model") ?? "gpt-image-1.5";
            if (Models.IsRetired(model)) problem = new Problem(ModelNotFound(model), null, "model_not_found", 404);
            else problem = ContractValidator.CheckJson(recorded, Models);
            if (problem == null && recorded.Field("stream") == "true")
            {
                problem = new Problem("Streaming is not supported in the Batch API; leave 'stream' out or set it to false.", "stream", "unsupported_parameter");
            }
        }

        JsonObject responseBody;
        int status;
        if (problem != null)
        {
            status = problem.Status;
            recorded.Outcome = problem.Code;
            responseBody = new JsonObject { ["error"] = new JsonObject { ["message"] = problem.Message, ["type"] = type, ["param"] = problem.Param, ["code"] = problem.Code } };
            job.Failed++;
        }
        else
        {
            status = 200;
            responseBody = BuildImagesResponse(recorded, Batches.ImageBytes > 0 ? new ScriptStep { ImageBytes = Batches.ImageBytes } : null);
            if (responseBody["usage"] is JsonObject usage)
            {
                job.InputTokens += Number(usage["input_tokens"]);
                job.OutputTokens += Number(usage["output_tokens"]);
            }
            job.Completed++;
        }
        recorded.Status = status;

        var target = problem == null ? (job.Output ??= new MemoryStream()) : (job.ErrorOutput ??= new MemoryStream());
        using (var writer = new Utf8JsonWriter(target, ResultLineOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", BatchStore.NewLineId());
            writer.WriteString("custom_id", line.CustomId);
            writer.WriteStartObject("response");
            writer.WriteNumber("status_code", status);
            writer.WriteString("request_id", requestId);
            writer.WritePropertyName("body");
            responseBody.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteNull("error");
            writer.WriteEndObject();
        }
        target.WriteByte((byte)'\n');
        if (problem == null) job.OutputLines++;
        else job.ErrorLines++;

        Batches.RecordLine(new BatchLineRecord
        {
            BatchId = job.Id,
            CustomId = line.CustomId,
            Line = line.LineNumber,
            RequestId = requestId,
            Status = status,
            ErrorCode = problem?.Code,
            ExecutedAt = recorded.ReceivedAt,
            Fields = recorded.Fields.ToList(),
            ImageRefs = recorded.ImageRefs.Select(r => new BatchImageRef(r.Role, r.Index, r.Kind, r.FileId, r.Kind == "url" ? r.Url : null, r.MediaType, r.Length, r.Sha256)).ToList(),
            ReturnedImageSha256 = recorded.ReturnedImageSha256.ToList(),
        });
    }

    /// <summary>A token count from Usage, which holds ints (a cast to long would throw).</summary>
    private static long Number(JsonNode? node) =>
        node is JsonValue value ? value.TryGetValue(out long wide) ? wide : value.TryGetValue(out int narrow) ? narrow : 0 : 0;

    /// <summary>Turns the written result lines into files of purpose batch_output; a file only when it has lines.</summary>
    private void StoreResultFiles(BatchJob job)
    {
        if (job.Output is { Length: > 0 } output) job.OutputFileId = StoreResultFile(job, output, "output");
        if (job.ErrorOutput is { Length: > 0 } errors) job.ErrorFileId = StoreResultFile(job, errors, "error");
        Release(job);
    }

    private string StoreResultFile(BatchJob job, MemoryStream lines, string kind)
    {
        var content = new ReadOnlyMemory<byte>(lines.GetBuffer(), 0, (int)lines.Length);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var file = new StoredFile
        {
            Id = FileStore.NewId(),
            FileName = $"{job.Id}_{kind}.jsonl",
            Purpose = "batch_output",
            CreatedAt = now,
            ExpiresAt = job.OutputExpiresAfter is { } seconds ? now + seconds : null,
            Order = Uploads.NextOrder(),
            Content = content,
            Sha256 = Convert.ToHexString(SHA256.HashData(content.Span)).ToLowerInvariant(),
            Head = content.Span[..Math.Min(content.Length, HeadBytesKept)].ToArray(),
        };
        Uploads.Add(file);
        return file.Id;
    }

    /// <summary>Once a batch has ended it needs neither the input's bytes nor the line index nor the buffers (the file store has those now).</summary>
    private static void Release(BatchJob job)
    {
        job.Input = ReadOnlyMemory<byte>.Empty;
        job.Lines = new List<BatchInputLine>();
        job.Next = 0;
        job.Output = null;
        job.ErrorOutput = null;
    }

    // ---- control bodies ----

    /// <summary>Reads an optional JSON control body: an empty body gives null.</summary>
    private static async Task<(T? Value, string? Problem)> ReadControlBodyAsync<T>(HttpContext context) where T : class
    {
        using var reader = new StreamReader(context.Request.Body);
        string text = await reader.ReadToEndAsync(context.RequestAborted);
        if (string.IsNullOrWhiteSpace(text)) return (null, null);
        try
        {
            return (JsonSerializer.Deserialize<T>(text), null);
        }
        catch (JsonException ex)
        {
            return (null, $"The body must be a JSON object like {{\"to\":\"completed\"}}: {ex.Message}");
        }
    }

    private static List<BatchFailure> ReadFailures(JsonNode? body)
    {
        if (body is not JsonArray array) throw new FormatException("expected an array.");
        var failures = new List<BatchFailure>();
        foreach (var item in array)
        {
            if (item is JsonValue value && value.TryGetValue(out string? customId))
            {
                failures.Add(new BatchFailure { CustomId = customId });
            }
            else if (item is JsonObject)
            {
                var failure = item.Deserialize<BatchFailure>() ?? throw new FormatException("null entry.");
                if (string.IsNullOrEmpty(failure.CustomId)) throw new FormatException("every entry needs a custom_id.");
                if (failure.StatusCode is < 400 or > 599) throw new FormatException("status_code must be between 400 and 599.");
                failures.Add(failure);
            }
            else
            {
                throw new FormatException("every entry must be a custom_id string or an object.");
            }
        }
        return failures;
    }
}
