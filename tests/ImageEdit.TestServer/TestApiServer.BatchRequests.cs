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
/// The Batch API's request bodies: a CreateBatchRequest checked as OpenAI checks it (input file, endpoint, window,
/// metadata, output_expires_after), and the optional JSON bodies of the /_control batch routes.
/// </summary>
public sealed partial class TestApiServer
{
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
