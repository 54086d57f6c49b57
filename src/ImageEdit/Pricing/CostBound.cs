using System;
using System.Globalization;
using System.Text;

namespace ImageEdit.Pricing
{
    /// <summary>
    /// The largest cost a request not yet sent could reach, for Start-ImageEditBatch -WhatIf. OpenAI publishes no token
    /// counts per image for gpt-image-2, 2.5 or 2.6, so the bound rests on stated assumptions (README, "Costs and budgets"):
    /// <list type="bullet">
    /// <item>text input: at most one token per UTF-8 byte of the prompt (a BPE token covers at least one byte);</item>
    /// <item>image input: at most <see cref="InputImageTokens"/> tokens per image sent (image, references, mask), all uncached;</item>
    /// <item>image output: gpt-image-1's published high-quality rate (4,160 tokens for 1024x1024) scaled by the size's
    /// pixels, doubled for headroom (quality xhigh and max, newer models); "auto" or no size counts as the largest size the
    /// API takes (8,294,400 pixels).</item>
    /// </list>
    /// </summary>
    public static class CostBound
    {
        /// <summary>Assumed largest input tokens per image sent.</summary>
        public const int InputImageTokens = 10_000;
        /// <summary>gpt-image-1's published output tokens of a 1024x1024 high-quality image.</summary>
        public const int HighQualityTokensPerMegapixel = 4_160;
        /// <summary>The largest size the API takes, in pixels (3840x2160).</summary>
        public const long LargestPixels = 8_294_400;
        /// <summary>Headroom over the high-quality rate for qualities and models without published counts.</summary>
        public const int Headroom = 2;

        /// <summary>Assumed largest output tokens of one image of <paramref name="size"/> (WxH, "auto" or null).</summary>
        public static long OutputTokensPerImage(string? size)
        {
            long pixels = LargestPixels;
            var parts = (size ?? "auto").Split('x');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long w)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long h) && w > 0 && h > 0)
            {
                pixels = Math.Min(w * h, LargestPixels * 4);
            }
            return (long)Math.Ceiling(pixels * (double)HighQualityTokensPerMegapixel / (1024 * 1024)) * Headroom;
        }

        /// <summary>The largest cost of one request at batch (half) prices, or null when its model has no price.</summary>
        public static decimal? ForBatchRequest(PriceTable prices, string? model, string prompt, int imagesSent, string? size, int count)
        {
            var usage = new TokenUsage(Encoding.UTF8.GetByteCount(prompt), (long)imagesSent * InputImageTokens, 0, OutputTokensPerImage(size) * Math.Max(1, count));
            return prices.Cost(model, usage, batch: true);
        }
    }
}
