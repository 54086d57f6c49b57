using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ImageEdit.TestServer;

/// <summary>One request line of a batch's input file that passed validation: where its body lies in the file's bytes.</summary>
public readonly record struct BatchInputLine(int LineNumber, string CustomId, int BodyOffset, int BodyLength);

/// <summary>One entry of a failed batch's errors (BatchError): line is 1-based, null for the file as a whole.</summary>
public sealed record BatchError(string Code, string Message, string? Param, int? Line)
{
    public JsonObject ToJson() => new() { ["code"] = Code, ["message"] = Message, ["param"] = Param, ["line"] = Line };
}

/// <summary>
/// One batch (the Batch object) and its progress. Everything that changes it happens under <see cref="Gate"/>. The
/// input file's bytes are the file store's own (not copied); the result lines are written as UTF-8 into two buffers
/// that become the output and error files when the batch ends.
/// </summary>
public sealed class BatchJob
{
    public object Gate { get; } = new();
    public required string Id { get; init; }
    public required string Endpoint { get; init; }
    public required string InputFileId { get; init; }
    public required string CompletionWindow { get; init; }
    public required long CreatedAt { get; init; }
    /// <summary>Creation order, to sort batches created in the same second.</summary>
    public required long Order { get; init; }
    public JsonObject? Metadata { get; init; }
    /// <summary>output_expires_after.seconds: the output and error files expire this long after they are written.</summary>
    public long? OutputExpiresAfter { get; init; }
    /// <summary>The input file's bytes until the batch ends; released then.</summary>
    public ReadOnlyMemory<byte> Input { get; set; }

    public string Status { get; set; } = "validating";
    public long? InProgressAt { get; set; }
    public long? ExpiresAt { get; set; }
    public long? FinalizingAt { get; set; }
    public long? CompletedAt { get; set; }
    public long? FailedAt { get; set; }
    public long? ExpiredAt { get; set; }
    public long? CancellingAt { get; set; }
    public long? CancelledAt { get; set; }
    public List<BatchError>? Errors { get; set; }
    public string? OutputFileId { get; set; }
    public string? ErrorFileId { get; set; }

    /// <summary>The validated request lines, in file order; <see cref="Next"/> is the first not yet run.</summary>
    public List<BatchInputLine> Lines { get; set; } = new();
    public int Total { get; set; }
    public int Next { get; set; }
    public int Completed { get; set; }
    public int Failed { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }

    public MemoryStream? Output { get; set; }
    public MemoryStream? ErrorOutput { get; set; }
    public int OutputLines { get; set; }
    public int ErrorLines { get; set; }

    public bool IsTerminal => Status is "failed" or "completed" or "expired" or "cancelled";

    public JsonObject ToJson()
    {
        JsonObject? errors = null;
        if (Errors is { Count: > 0 })
        {
            var data = new JsonArray();
            foreach (var error in Errors) data.Add(error.ToJson());
            errors = new JsonObject { ["object"] = "list", ["data"] = data };
        }
        return new JsonObject
        {
            ["id"] = Id,
            ["object"] = "batch",
            ["endpoint"] = Endpoint,
            ["errors"] = errors,
            ["input_file_id"] = InputFileId,
            ["completion_window"] = CompletionWindow,
            ["status"] = Status,
            ["output_file_id"] = OutputFileId,
            ["error_file_id"] = ErrorFileId,
            ["created_at"] = CreatedAt,
            ["in_progress_at"] = InProgressAt,
            ["expires_at"] = ExpiresAt,
            ["finalizing_at"] = FinalizingAt,
            ["completed_at"] = CompletedAt,
            ["failed_at"] = FailedAt,
            ["expired_at"] = ExpiredAt,
            ["cancelling_at"] = CancellingAt,
            ["cancelled_at"] = CancelledAt,
            ["request_counts"] = new JsonObject { ["total"] = Total, ["completed"] = Completed, ["failed"] = Failed },
            ["usage"] = new JsonObject
            {
                ["input_tokens"] = InputTokens,
                ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                ["output_tokens"] = OutputTokens,
                ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                ["total_tokens"] = InputTokens + OutputTokens,
            },
            ["metadata"] = Metadata?.DeepClone(),
        };
    }
}

/// <summary>
/// What one executed batch line did, as GET /_control/batches lists it (camelCase): the batch, the custom_id, the
/// 1-based line, the HTTP status its response carries (200, 400, 404, or a scripted status), the error code when it
/// failed, the request_id, the fields and image references its body gave, and the SHA-256 of every image returned.
/// </summary>
public sealed class BatchLineRecord
{
    public required string BatchId { get; init; }
    public required string CustomId { get; init; }
    public required int Line { get; init; }
    public required string RequestId { get; init; }
    public required int Status { get; init; }
    public string? ErrorCode { get; init; }
    public DateTimeOffset ExecutedAt { get; init; }
    public List<RecordedField> Fields { get; init; } = new();
    public List<BatchImageRef> ImageRefs { get; init; } = new();
    public List<string> ReturnedImageSha256 { get; init; } = new();

    public string? Field(string name) => Fields.FirstOrDefault(f => f.Name == name)?.Value;
}

/// <summary>An image reference of an executed line, without the bytes the server looked at (so that thousands of lines stay small).</summary>
public sealed record BatchImageRef(string Role, int Index, string Kind, string? FileId, string? Url, string? MediaType, long? Length, string? Sha256);

/// <summary>A custom_id that a test wants to fail, posted to /_control/batch-failures as a string or as this object.</summary>
public sealed class BatchFailure
{
    [JsonPropertyName("custom_id")] public string CustomId { get; set; } = "";
    [JsonPropertyName("status_code")] public int StatusCode { get; set; } = 400;
    [JsonPropertyName("code")] public string? Code { get; set; } = "scripted_failure";
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("type")] public string? Type { get; set; }
}

/// <summary>The body of POST /_control/batch-mode; fields left out keep their value.</summary>
public sealed class BatchModeRequest
{
    [JsonPropertyName("auto")] public bool? Auto { get; set; }
    [JsonPropertyName("maxRequests")] public int? MaxRequests { get; set; }
    [JsonPropertyName("maxInputBytes")] public long? MaxInputBytes { get; set; }
    /// <summary>Pad every image a batch line returns to this many bytes (0: no padding), as the edit script's imageBytes does for live edits.</summary>
    [JsonPropertyName("imageBytes")] public int? ImageBytes { get; set; }
}

/// <summary>The body of POST /_control/batches/{id}/advance and /_control/batches/advance-all; all optional.</summary>
public sealed class BatchAdvanceRequest
{
    [JsonPropertyName("to")] public string? To { get; set; }
    [JsonPropertyName("complete")] public int? Complete { get; set; }
    /// <summary>With "to":"failed": the error code and message the batch's errors get.</summary>
    [JsonPropertyName("code")] public string? Code { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
}

/// <summary>Every batch by id, the executed lines, the scripted failures and the mode; /_control/reset empties it.</summary>
public sealed class BatchStore
{
    public const int DefaultMaxRequests = 50_000;
    public const long DefaultMaxInputBytes = 200L * 1024 * 1024;
    private const string Alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private readonly ConcurrentDictionary<string, BatchJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<BatchLineRecord> _lines = new();
    private readonly ConcurrentDictionary<string, BatchFailure> _failures = new(StringComparer.Ordinal);
    private long _order;
    private int _sequence;

    /// <summary>When true, a batch runs to its end on the first GET that sees it (retrieve or list).</summary>
    public bool Auto { get; set; }
    public int MaxRequests { get; set; } = DefaultMaxRequests;
    public long MaxInputBytes { get; set; } = DefaultMaxInputBytes;
    /// <summary>When above 0, every image a batch line returns is padded to this many bytes (a full disk needs large answers).</summary>
    public int ImageBytes { get; set; }

    /// <summary>batch_ and 24 letters or digits.</summary>
    public static string NewId() => "batch_" + Random(24);

    /// <summary>batch_req_ and 24 letters or digits, the id of one output line.</summary>
    public static string NewLineId() => "batch_req_" + Random(24);

    /// <summary>req_ and 32 hex digits, like the API's x-request-id.</summary>
    public static string NewRequestId() => "req_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    private static string Random(int length) => new(RandomNumberGenerator.GetItems<char>(Alphanumerics, length));

    public long NextOrder() => Interlocked.Increment(ref _order);

    /// <summary>A sequence number for the synthetic request of an executed line (it seeds the returned image's colour).</summary>
    public int NextSequence() => Interlocked.Increment(ref _sequence);

    public void Add(BatchJob job) => _jobs[job.Id] = job;

    public bool TryGet(string id, out BatchJob job) => _jobs.TryGetValue(id, out job!);

    /// <summary>Newest first, as the list endpoint pages them.</summary>
    public IReadOnlyList<BatchJob> All => _jobs.Values.OrderByDescending(j => j.CreatedAt).ThenByDescending(j => j.Order).ToList();

    public IReadOnlyList<BatchLineRecord> Lines => _lines.ToArray();

    public void RecordLine(BatchLineRecord record) => _lines.Enqueue(record);

    public void SetFailures(IEnumerable<BatchFailure> failures)
    {
        _failures.Clear();
        foreach (var failure in failures) _failures[failure.CustomId] = failure;
    }

    public BatchFailure? FailureFor(string customId) => _failures.TryGetValue(customId, out var failure) ? failure : null;

    public IReadOnlyList<BatchFailure> Failures => _failures.Values.ToList();

    public JsonObject ModeJson() => new() { ["auto"] = Auto, ["maxRequests"] = MaxRequests, ["maxInputBytes"] = MaxInputBytes, ["imageBytes"] = ImageBytes };

    public void Reset()
    {
        _jobs.Clear();
        _lines.Clear();
        _failures.Clear();
        Auto = false;
        MaxRequests = DefaultMaxRequests;
        MaxInputBytes = DefaultMaxInputBytes;
        ImageBytes = 0;
    }
}
