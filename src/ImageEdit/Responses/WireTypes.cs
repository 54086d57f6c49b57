using System.Collections.Generic;
using System.Text.Json.Serialization;

using ImageEdit.Http;

namespace ImageEdit.Responses
{
    // Token usage as it comes over the wire; mapped onto the public, read-only ImageUsage in ImageEdit.Models.

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
        /// <summary>Input tokens read from the prompt cache, when the answer reports them (not in the 2.3.0 ImagesUsage schema).</summary>
        [JsonPropertyName("cached_tokens")] public int? CachedTokens { get; set; }
    }
}
