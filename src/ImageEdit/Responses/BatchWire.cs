using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace ImageEdit.Responses
{
    // The Batch API's objects as they come over the wire (Batch, BatchRequestCounts, the errors of a failed batch).

    internal sealed class BatchDto
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("status")] public string Status { get; set; } = "";
        [JsonPropertyName("input_file_id")] public string? InputFileId { get; set; }
        [JsonPropertyName("output_file_id")] public string? OutputFileId { get; set; }
        [JsonPropertyName("error_file_id")] public string? ErrorFileId { get; set; }
        [JsonPropertyName("created_at")] public long CreatedAt { get; set; }
        [JsonPropertyName("expires_at")] public long? ExpiresAt { get; set; }
        [JsonPropertyName("completed_at")] public long? CompletedAt { get; set; }
        [JsonPropertyName("failed_at")] public long? FailedAt { get; set; }
        [JsonPropertyName("expired_at")] public long? ExpiredAt { get; set; }
        [JsonPropertyName("cancelled_at")] public long? CancelledAt { get; set; }
        [JsonPropertyName("request_counts")] public BatchCountsDto? RequestCounts { get; set; }
        [JsonPropertyName("errors")] public BatchErrorsDto? Errors { get; set; }
        [JsonPropertyName("metadata")] public Dictionary<string, string>? Metadata { get; set; }
    }

    internal sealed class BatchListDto
    {
        [JsonPropertyName("data")] public List<BatchDto> Data { get; set; } = new List<BatchDto>();
        [JsonPropertyName("has_more")] public bool HasMore { get; set; }
    }

    internal sealed class BatchCountsDto
    {
        [JsonPropertyName("total")] public int Total { get; set; }
        [JsonPropertyName("completed")] public int Completed { get; set; }
        [JsonPropertyName("failed")] public int Failed { get; set; }
    }

    internal sealed class BatchErrorsDto
    {
        [JsonPropertyName("data")] public List<BatchErrorDto>? Data { get; set; }
    }

    internal sealed class BatchErrorDto
    {
        [JsonPropertyName("code")] public string? Code { get; set; }
        [JsonPropertyName("message")] public string? Message { get; set; }
        [JsonPropertyName("line")] public int? Line { get; set; }
    }
}
