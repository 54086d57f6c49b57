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
/// A batch's lines run as JSON edits would, their answers written as result lines, and the output and error files
/// stored in the Files API once the batch ends.
/// </summary>
public sealed partial class TestApiServer
{
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
}
