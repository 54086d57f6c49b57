using System.Text.Json;

namespace ImageEdit.TestServer;

/// <summary>
/// Validates a batch input file (JSONL of BatchRequestInput: custom_id, method, url, body) as it lies in the file
/// store's bytes, one line at a time with a Utf8JsonReader: nothing is turned into a string except the custom_ids,
/// method and url. A valid file gives the lines with the offset and length of each body; an invalid one gives the
/// errors (up to <see cref="MaxErrors"/>) that fail the batch. Whitespace-only lines are skipped but still counted
/// for line numbers; what a body says is checked only when its line runs.
/// </summary>
internal static class BatchInputScanner
{
    public const int MaxErrors = 100;

    public sealed record Result(List<BatchInputLine> Lines, List<BatchError> Errors);

    public static Result Scan(ReadOnlySpan<byte> content, string endpoint, int maxRequests, long maxBytes)
    {
        var lines = new List<BatchInputLine>();
        var errors = new List<BatchError>();
        if (content.Length > maxBytes)
        {
            errors.Add(new BatchError("file_too_large", $"The input file is {content.Length} bytes; a batch input file can be at most {maxBytes} bytes.", "input_file_id", null));
            return new Result(lines, errors);
        }
        int start = content.StartsWith("\uFEFF"u8) ? 3 : 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        while (start < content.Length && errors.Count < MaxErrors)
        {
            int length = content[start..].IndexOf((byte)'\n');
            if (length < 0) length = content.Length - start;
            var line = content.Slice(start, length);
            lineNumber++;
            if (!IsBlank(line))
            {
                if (lines.Count + errors.Count >= maxRequests)
                {
                    errors.Clear();
                    errors.Add(new BatchError("too_many_tasks", $"The input file has more than {maxRequests} requests; a batch can hold at most {maxRequests}.", null, null));
                    return new Result(new List<BatchInputLine>(), errors);
                }
                var error = ScanLine(line, start, lineNumber, endpoint, seen, out var entry);
                if (error != null) errors.Add(error);
                else lines.Add(entry);
            }
            start += length + 1;
        }
        if (errors.Count == 0 && lines.Count == 0)
        {
            errors.Add(new BatchError("empty_file", "The input file has no requests.", "input_file_id", null));
        }
        return new Result(errors.Count == 0 ? lines : new List<BatchInputLine>(), errors);
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (byte b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r')) return false;
        }
        return true;
    }

    private static BatchError? ScanLine(ReadOnlySpan<byte> line, int lineStart, int lineNumber, string endpoint, HashSet<string> seen, out BatchInputLine entry)
    {
        entry = default;
        string? customId = null, method = null, url = null;
        int bodyStart = -1, bodyLength = 0;
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return new BatchError("invalid_json_line", "This line is not a JSON object.", null, lineNumber);
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (!names.Add(name)) return new BatchError("duplicate_parameter", $"Duplicate parameter: '{name}' appears more than once on this line.", name, lineNumber);
                switch (name)
                {
                    case "custom_id":
                    case "method":
                    case "url":
                        if (reader.TokenType != JsonTokenType.String) return new BatchError("invalid_type", $"Invalid type for '{name}': expected a string.", name, lineNumber);
                        string value = reader.GetString()!;
                        if (name == "custom_id") customId = value;
                        else if (name == "method") method = value;
                        else url = value;
                        break;
                    case "body":
                        if (reader.TokenType != JsonTokenType.StartObject) return new BatchError("invalid_type", "Invalid type for 'body': expected an object.", "body", lineNumber);
                        bodyStart = (int)reader.TokenStartIndex;
                        reader.Skip();
                        bodyLength = (int)reader.BytesConsumed - bodyStart;
                        break;
                    default:
                        return new BatchError("unknown_parameter", $"Unknown parameter: '{name}'. A request line has custom_id, method, url and body.", name, lineNumber);
                }
            }
            // Past the object there may be only whitespace; the reader throws on anything else.
            reader.Read();
        }
        catch (JsonException)
        {
            return new BatchError("invalid_json_line", "This line is not parseable as valid JSON.", null, lineNumber);
        }
        catch (InvalidOperationException)
        {
            return new BatchError("invalid_json_line", "This line is not parseable as valid JSON.", null, lineNumber);
        }

        if (customId is null) return new BatchError("missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id", lineNumber);
        if (customId.Length == 0) return new BatchError("invalid_value", "Invalid 'custom_id': the custom_id must not be empty.", "custom_id", lineNumber);
        if (method is null) return new BatchError("missing_required_parameter", "Missing required parameter: 'method'.", "method", lineNumber);
        if (method != "POST") return new BatchError("invalid_method", $"Invalid 'method': '{method}'. Batch requests use POST.", "method", lineNumber);
        if (url is null) return new BatchError("missing_required_parameter", "Missing required parameter: 'url'.", "url", lineNumber);
        if (url != endpoint) return new BatchError("url_mismatch", $"The url '{url}' does not match the batch's endpoint '{endpoint}'.", "url", lineNumber);
        if (bodyStart < 0) return new BatchError("missing_required_parameter", "Missing required parameter: 'body'.", "body", lineNumber);
        if (!seen.Add(customId)) return new BatchError("duplicate_custom_id", $"The custom_id '{customId}' is used by more than one request; custom_ids must be unique within a batch.", "custom_id", lineNumber);
        entry = new BatchInputLine(lineNumber, customId, lineStart + bodyStart, bodyLength);
        return null;
    }
}
