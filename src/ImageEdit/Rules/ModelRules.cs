using System;
using System.Collections.Generic;
using ImageEdit.Images;

namespace ImageEdit.Rules
{
    /// <summary>
    /// What one model accepts on /images/edits, as the contract's field descriptions state it. The table in
    /// <see cref="ModelCatalog"/> is the single place these limits live.
    /// </summary>
    public sealed class ModelRules
    {
        public string Name { get; set; } = "";

        /// <summary>A GPT image model (as opposed to dall-e-2).</summary>
        public bool IsGptImageModel { get; set; }
        public int MaxPromptLength { get; set; }
        public int MaxImages { get; set; }

        /// <summary>Each image must be smaller than this many bytes.</summary>
        public long MaxImageBytes { get; set; }
        public IReadOnlyList<ImageFormat> ImageFormats { get; set; } = Array.Empty<ImageFormat>();
        public bool RequiresSquareImage { get; set; }

        /// <summary>The sizes always accepted.</summary>
        public IReadOnlyList<string> Sizes { get; set; } = Array.Empty<string>();

        /// <summary>Any WIDTHxHEIGHT within <see cref="FlexibleSizeLimits"/> is accepted too.</summary>
        public FlexibleSizeLimits? FlexibleSizes { get; set; }

        /// <summary>Request fields (by their parameter names) this model refuses.</summary>
        public IReadOnlyList<string> UnsupportedParameters { get; set; } = Array.Empty<string>();
        public bool SupportsStreaming { get; set; }
    }

    /// <summary>Arbitrary WIDTHxHEIGHT sizes (gpt-image-2): both sides divisible by a step, an aspect-ratio bound and a maximum.</summary>
    public sealed class FlexibleSizeLimits
    {
        public int Step { get; set; } = 16;
        public int MaxAspectRatio { get; set; } = 3;
        public int MaxLongEdge { get; set; } = 3840;
        public int MaxShortEdge { get; set; } = 2160;

        public string? Explain(int width, int height)
        {
            if (width % Step != 0 || height % Step != 0)
            {
                return $"both sides must be divisible by {Step}";
            }
            if (width > height * MaxAspectRatio || height > width * MaxAspectRatio)
            {
                return $"the aspect ratio must be between 1:{MaxAspectRatio} and {MaxAspectRatio}:1";
            }
            if (Math.Max(width, height) > MaxLongEdge || Math.Min(width, height) > MaxShortEdge)
            {
                return $"the largest size is {MaxLongEdge}x{MaxShortEdge}";
            }
            return null;
        }
    }

    /// <summary>The rules table, one entry per model the contract names.</summary>
    public static class ModelCatalog
    {
        /// <summary>The model the API uses when none is named.</summary>
        public const string DefaultModel = "gpt-image-1.5";
        public const int MaxImagesAnyModel = 16;
        public const int MaxPromptLengthAnyModel = 32000;
        public const long MaskMaxBytes = 4L * 1024 * 1024;
        private const long FiftyMegabytes = 50L * 1024 * 1024;
        private const long FourMegabytes = 4L * 1024 * 1024;
        private static readonly string[] GptOnlyParameters = { "Background", "OutputFormat", "OutputCompression", "InputFidelity", "PartialImages" };
        private static readonly string[] StandardGptSizes = { "1024x1024", "1536x1024", "1024x1536", "auto" };

        private static readonly Dictionary<string, ModelRules> Table = Build();

        /// <summary>Every model in the table, for completion and documentation.</summary>
        public static IEnumerable<ModelRules> All => Table.Values;

        public static ModelRules? Find(string? model) =>
            Table.TryGetValue(model ?? DefaultModel, out var rules) ? rules : null;

        private static Dictionary<string, ModelRules> Build()
        {
            var table = new Dictionary<string, ModelRules>(StringComparer.Ordinal);
            void Add(ModelRules rules) => table.Add(rules.Name, rules);

            Add(new ModelRules
            {
                Name = "dall-e-2",
                MaxPromptLength = 1000,
                MaxImages = 1,
                MaxImageBytes = FourMegabytes,
                ImageFormats = new[] { ImageFormat.Png },
                RequiresSquareImage = true,
                Sizes = new[] { "256x256", "512x512", "1024x1024" },
                UnsupportedParameters = GptOnlyParameters,
                SupportsStreaming = false,
            });
            foreach (var name in new[] { "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "chatgpt-image-latest", "gpt-image-2", "gpt-image-2-2026-04-21" })
            {
                var unsupported = new List<string> { "ResponseFormat" };
                if (name == "gpt-image-1-mini")
                {
                    unsupported.Add("InputFidelity");
                }
                Add(new ModelRules
                {
                    Name = name,
                    IsGptImageModel = true,
                    MaxPromptLength = MaxPromptLengthAnyModel,
                    MaxImages = MaxImagesAnyModel,
                    MaxImageBytes = FiftyMegabytes,
                    ImageFormats = new[] { ImageFormat.Png, ImageFormat.Jpeg, ImageFormat.WebP },
                    Sizes = StandardGptSizes,
                    FlexibleSizes = name.StartsWith("gpt-image-2", StringComparison.Ordinal) ? new FlexibleSizeLimits() : null,
                    UnsupportedParameters = unsupported,
                    SupportsStreaming = true,
                });
            }
            return table;
        }
    }
}
