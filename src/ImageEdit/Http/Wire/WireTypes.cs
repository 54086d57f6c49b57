using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace ImageEdit.Http.Wire
{
    // The API's JSON as it comes over the wire; mapped onto the public, read-only types in ImageEdit.Models.

    internal sealed class ImagesResponseDto
    {
        [JsonPropertyName("created")] public long Created { get; set; }
        [JsonPropertyName("data")] public List<ImageDto>? Data { get; set; }
        [JsonPropertyName("background")] public string? Background { get; set; }
        [JsonPropertyName("output_format")] public string? OutputFormat { get; set; }
        [JsonPropertyName("size")] public string? Size { get; set; }
        [JsonPropertyName("quality")] public string? Quality { get; set; }
        [JsonPropertyName("usage")] public UsageDto? Usage { get; set; }
    }

    internal sealed class ImageDto
    {
        [JsonPropertyName("b64_json")] public string? B64Json { get; set; }
        [JsonPropertyName("url")] public string? Url { get; set; }
        [JsonPropertyName("revised_prompt")] public string? RevisedPrompt { get; set; }
    }

    internal sealed class UsageDto
    {
        [JsonPropertyName("input_tokens")] public int InputTokens { get; set; }
        [JsonPropertyName("output_tokens")] public int OutputTokens { get; set; }
        [JsonPropertyName("total_tokens")] public int TotalTokens { get; set; }
        [JsonPropertyName("input_tokens_details")] public TokenDetailsDto? InputTokensDetails { get; set; }
        [JsonPropertyName("output_tokens_details")] public TokenDetailsDto? OutputTokensDetails { get; set; }
    }

    internal sealed class TokenDetailsDto
    {
        [JsonPropertyName("text_tokens")] public int TextTokens { get; set; }
        [JsonPropertyName("image_tokens")] public int ImageTokens { get; set; }
    }

    /// <summary>An image_edit.partial_image or image_edit.completed event.</summary>
    internal sealed class StreamEventDto
    {
        [JsonPropertyName("type")] public string? Type { get; set; }
        [JsonPropertyName("b64_json")] public string? B64Json { get; set; }
        [JsonPropertyName("created_at")] public long CreatedAt { get; set; }
        [JsonPropertyName("size")] public string? Size { get; set; }
        [JsonPropertyName("quality")] public string? Quality { get; set; }
        [JsonPropertyName("background")] public string? Background { get; set; }
        [JsonPropertyName("output_format")] public string? OutputFormat { get; set; }
        [JsonPropertyName("partial_image_index")] public int? PartialImageIndex { get; set; }
        [JsonPropertyName("usage")] public UsageDto? Usage { get; set; }
    }
}
