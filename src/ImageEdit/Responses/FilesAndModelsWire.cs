using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace ImageEdit.Responses
{
    // The Files and Models APIs' objects as they come over the wire (OpenAIFile, DeleteFileResponse, ListModelsResponse).

    internal sealed class FileDto
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("bytes")] public long Bytes { get; set; }
        [JsonPropertyName("created_at")] public long CreatedAt { get; set; }
        [JsonPropertyName("expires_at")] public long? ExpiresAt { get; set; }
        [JsonPropertyName("filename")] public string Filename { get; set; } = "";
        [JsonPropertyName("purpose")] public string Purpose { get; set; } = "";
        [JsonPropertyName("status")] public string? Status { get; set; }
    }

    internal sealed class FileListDto
    {
        [JsonPropertyName("data")] public List<FileDto> Data { get; set; } = new List<FileDto>();
        [JsonPropertyName("has_more")] public bool HasMore { get; set; }
    }

    internal sealed class DeletedDto
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("deleted")] public bool Deleted { get; set; }
    }

    internal sealed class ModelListDto
    {
        [JsonPropertyName("data")] public List<ModelDto> Data { get; set; } = new List<ModelDto>();
    }

    internal sealed class ModelDto
    {
        [JsonPropertyName("id")] public string Id { get; set; } = "";
        [JsonPropertyName("created")] public long Created { get; set; }
        [JsonPropertyName("owned_by")] public string? OwnedBy { get; set; }
        [JsonPropertyName("shutdown_date")] public string? ShutdownDate { get; set; }
    }
}
