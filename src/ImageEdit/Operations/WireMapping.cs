using System;
using ImageEdit.Responses;
using ImageEdit.Models;

namespace ImageEdit.Operations
{
    internal static class WireMapping
    {
        public static ImageUsage? ToUsage(UsageDto? usage) => usage is null
            ? null
            : new ImageUsage(usage.InputTokens, usage.OutputTokens, usage.TotalTokens, ToDetails(usage.InputTokensDetails), ToDetails(usage.OutputTokensDetails));

        public static DateTimeOffset FromUnixTime(long seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds);

        private static ImageTokenDetails? ToDetails(TokenDetailsDto? details) =>
            details is null ? null : new ImageTokenDetails(details.TextTokens, details.ImageTokens);
    }
}
