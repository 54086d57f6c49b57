using System;
using System.Collections.Generic;
using System.Linq;
using ImageEdit.Images;

namespace ImageEdit.Rules
{
    /// <summary>
    /// What one model accepts on /images/edits, as the contract's field descriptions state it, and when OpenAI stops
    /// serving it. Immutable: the table in <see cref="ModelCatalog"/> is the single place these limits live.
    /// </summary>
    internal sealed class ModelRules
    {
        internal ModelRules(string name, bool isGptImageModel, int maxPromptLength, int maxImages, long maxImageBytes, IReadOnlyList<ImageFormat> imageFormats,
            bool requiresSquareImage, IReadOnlyList<string> sizes, FlexibleSizeLimits? flexibleSizes, IReadOnlyDictionary<string, IReadOnlyList<string>> values,
            IReadOnlyCollection<string> unsupportedFields, bool supportsStreaming, bool supportsJson, DateTime? shutdownDate, string? replacement)
        {
            Name = name;
            IsGptImageModel = isGptImageModel;
            MaxPromptLength = maxPromptLength;
            MaxImages = maxImages;
            MaxImageBytes = maxImageBytes;
            ImageFormats = imageFormats;
            RequiresSquareImage = requiresSquareImage;
            Sizes = sizes;
            FlexibleSizes = flexibleSizes;
            Values = values;
            UnsupportedFields = unsupportedFields;
            SupportsStreaming = supportsStreaming;
            SupportsJson = supportsJson;
            ShutdownDate = shutdownDate;
            Replacement = replacement;
        }

        /// <summary>The model's name as the API spells it; empty for the rules every current GPT image model shares.</summary>
        public string Name { get; }

        /// <summary>A GPT image model (as opposed to dall-e-2).</summary>
        public bool IsGptImageModel { get; }
        public int MaxPromptLength { get; }
        public int MaxImages { get; }

        /// <summary>Each image must be smaller than this many bytes.</summary>
        public long MaxImageBytes { get; }
        public IReadOnlyList<ImageFormat> ImageFormats { get; }
        public bool RequiresSquareImage { get; }

        /// <summary>The sizes always accepted.</summary>
        public IReadOnlyList<string> Sizes { get; }

        /// <summary>Any WIDTHxHEIGHT within <see cref="FlexibleSizeLimits"/> is accepted too (multipart only): gpt-image-2, 2.5 and 2.6.</summary>
        public FlexibleSizeLimits? FlexibleSizes { get; }

        /// <summary>The values this model takes for choice fields whose set differs from the field's own (wire name to values).</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Values { get; }

        /// <summary>Request fields (by wire name) this model refuses.</summary>
        public IReadOnlyCollection<string> UnsupportedFields { get; }
        public bool SupportsStreaming { get; }

        /// <summary>True when the model takes the JSON body (images by URL or file ID).</summary>
        public bool SupportsJson { get; }

        /// <summary>The day OpenAI stops serving the model (its deprecations page), or null when none is announced.</summary>
        public DateTime? ShutdownDate { get; }

        /// <summary>The model OpenAI recommends instead.</summary>
        public string? Replacement { get; }

        /// <summary>How messages name the model.</summary>
        public string Label => Name.Length == 0 ? "the API's default model" : Name;

        /// <summary>The label at the start of a sentence.</summary>
        public string SentenceLabel => Name.Length == 0 ? "The API's default model" : Name;

        /// <summary>The values this model takes for a choice field, or null when it takes whatever the field knows.</summary>
        public IReadOnlyList<string>? ValuesFor(string wireName) => Values.TryGetValue(wireName, out var values) ? values : null;

        public override string ToString() => Label;
    }

    /// <summary>
    /// Arbitrary WIDTHxHEIGHT sizes (gpt-image-2, 2.5 and 2.6), as the API states them today: both sides multiples of
    /// 16, the longest edge at most 3840, an aspect ratio up to 3:1, and between 655,360 and 8,294,400 pixels in all
    /// (2880x2880 is a size; 512x512 is too small).
    /// </summary>
    internal sealed class FlexibleSizeLimits
    {
        public int Step => 16;
        public int MaxAspectRatio => 3;
        public int MaxLongEdge => 3840;
        public long MinPixels => 655_360;
        public long MaxPixels => 8_294_400;

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
            if (Math.Max(width, height) > MaxLongEdge)
            {
                return $"the longest edge may be at most {MaxLongEdge}";
            }
            long pixels = (long)width * height;
            if (pixels < MinPixels || pixels > MaxPixels)
            {
                return $"it has {pixels:N0} pixels, and a size must have from {MinPixels:N0} to {MaxPixels:N0}";
            }
            return null;
        }

        public override string ToString() =>
            $"WIDTHxHEIGHT with both sides divisible by {Step}, the longest edge at most {MaxLongEdge}, an aspect ratio up to {MaxAspectRatio}:1 " +
            $"and {MinPixels:N0} to {MaxPixels:N0} pixels";
    }

    /// <summary>The rules table, one entry per model the contract names, plus the rules every current GPT image model shares.</summary>
    internal static class ModelCatalog
    {
        public const int MaxImagesAnyModel = 16;
        public const int MaxPromptLengthAnyModel = 32000;
        public const long MaskMaxBytes = 4L * 1024 * 1024;
        private const long FiftyMegabytes = 50L * 1024 * 1024;
        private const long FourMegabytes = 4L * 1024 * 1024;
        private static readonly string[] StandardGptSizes = { "1024x1024", "1536x1024", "1024x1536", "auto" };
        private static readonly IReadOnlyList<string> GptQualities = new[] { "low", "medium", "high", "auto" };
        private static readonly ImageFormat[] GptImageFormats = { ImageFormat.Png, ImageFormat.Jpeg, ImageFormat.WebP };

        /// <summary>What OpenAI's deprecations page names instead of every model it has shut down.</summary>
        public const string RetiredModelsReplacement = "gpt-image-2.6-sunburst or gpt-image-2.6-flare";

        /// <summary>The models that take a markup image, as advice names them.</summary>
        public const string MarkupModels = "gpt-image-2.6-sunburst or gpt-image-2.6-flare";

        /// <summary>What gpt-image-2.6 added to the edit: planning effort, markup images and animated (gif) output; no earlier model takes them.</summary>
        private static readonly string[] NewIn26 = { "complexity", "markup", "frame_count", "frame_duration_ms" };

        private static readonly IReadOnlyList<string> QualitiesSince25 = new[] { "low", "medium", "high", "auto", "xhigh", "max" };
        private static readonly IReadOnlyList<string> GptOutputFormats = new[] { "png", "jpeg", "webp" };
        private static readonly IReadOnlyList<string> Gpt26OutputFormats = new[] { "png", "jpeg", "webp", "gif" };

        private static readonly IReadOnlyList<ModelRules> Table = Build();

        /// <summary>Every model in the table, for completion and documentation.</summary>
        public static IReadOnlyList<ModelRules> All => Table;

        /// <summary>
        /// The checks that hold for every GPT image model served today: used when no -Model is given, since the API's
        /// default model changes as models are retired and may be any of them. It refuses only what every current model
        /// refuses, so a value is never refused merely because older models lacked it: see <see cref="SharedBy"/>.
        /// </summary>
        public static ModelRules CurrentGptCommon => CurrentGptCommonRules.Value;

        private static readonly Lazy<ModelRules> CurrentGptCommonRules = new Lazy<ModelRules>(() =>
        {
            var today = ModelLifecycle.Today();
            var gpt = Table.Where(m => m.IsGptImageModel).ToList();
            var current = gpt.Where(m => m.ShutdownDate is not DateTime shutdown || shutdown > today).ToList();
            return SharedBy(current.Count > 0 ? current : gpt);
        });

        /// <summary>
        /// The most a request may ask of one of <paramref name="models"/>: each limit the largest, each set of values or
        /// sizes the union, a field refused only when every model refuses it. (When the models' flexible-size limits
        /// differ, those of the first model that has them are checked.)
        /// </summary>
        internal static ModelRules SharedBy(IReadOnlyList<ModelRules> models)
        {
            var values = models.SelectMany(m => m.Values.Keys).Distinct(StringComparer.Ordinal)
                .ToDictionary(field => field, field => (IReadOnlyList<string>)models
                    .SelectMany(m => m.ValuesFor(field) ?? Requests.RequestFields.Wire(field).Values).Distinct(StringComparer.OrdinalIgnoreCase).ToArray());
            var unsupported = models.Skip(1).Aggregate((IEnumerable<string>)models[0].UnsupportedFields, (refused, m) => refused.Intersect(m.UnsupportedFields)).ToArray();
            return new ModelRules("", models.All(m => m.IsGptImageModel), models.Max(m => m.MaxPromptLength), models.Max(m => m.MaxImages), models.Max(m => m.MaxImageBytes),
                models.SelectMany(m => m.ImageFormats).Distinct().ToArray(), models.All(m => m.RequiresSquareImage), models.SelectMany(m => m.Sizes).Distinct().ToArray(),
                models.Select(m => m.FlexibleSizes).FirstOrDefault(f => f != null), values, unsupported, models.Any(m => m.SupportsStreaming), models.Any(m => m.SupportsJson),
                shutdownDate: null, replacement: null);
        }

        /// <summary>The rules of a model the table knows, compared without regard to case; null for a model it does not know.</summary>
        public static ModelRules? Find(string? model) =>
            model is null ? null : Table.FirstOrDefault(m => string.Equals(m.Name, model, StringComparison.OrdinalIgnoreCase));

        /// <summary>The rules a request is checked against: its model's, the shared GPT rules when none is named, or null for an unknown model.</summary>
        public static ModelRules? RulesFor(string? model) => model is null ? CurrentGptCommon : Find(model);

        /// <summary>The model's name as the API spells it when the table knows it; any other name as given.</summary>
        public static string Canonical(string model) => Find(model)?.Name ?? model;

        private static IReadOnlyList<ModelRules> Build()
        {
            var flexible = new FlexibleSizeLimits();
            var gptOnly = Requests.RequestFields.All.Where(f => f.GptImageOnly).Select(f => f.WireName).ToArray();
            return new[]
            {
                new ModelRules("dall-e-2", isGptImageModel: false, maxPromptLength: 1000, maxImages: 1, maxImageBytes: FourMegabytes,
                    imageFormats: new[] { ImageFormat.Png }, requiresSquareImage: true, sizes: new[] { "256x256", "512x512", "1024x1024" },
                    flexibleSizes: null, values: new Dictionary<string, IReadOnlyList<string>> { ["quality"] = new[] { "standard" } },
                    unsupportedFields: gptOnly.Concat(NewIn26).ToArray(), supportsStreaming: false, supportsJson: false,
                    shutdownDate: new DateTime(2026, 5, 12), replacement: RetiredModelsReplacement),
                Gpt("gpt-image-1", null, Older("response_format"), new DateTime(2026, 10, 23), RetiredModelsReplacement),
                Gpt("gpt-image-1-mini", null, Older("response_format", "input_fidelity"), new DateTime(2026, 12, 1), RetiredModelsReplacement),
                Gpt("gpt-image-1.5", null, Older("response_format"), new DateTime(2026, 12, 1), RetiredModelsReplacement),
                Gpt("chatgpt-image-latest", null, Older("response_format"), new DateTime(2026, 12, 1), RetiredModelsReplacement),
                Gpt("gpt-image-2", flexible, Older("response_format")),
                Gpt("gpt-image-2-2026-04-21", flexible, Older("response_format")),
                Gpt("gpt-image-2.5-sunburst", flexible, Older("response_format"), qualities: QualitiesSince25),
                Gpt("gpt-image-2.5-sunburst-2026-09-08", flexible, Older("response_format"), qualities: QualitiesSince25),
                Gpt("gpt-image-2.5-flare", flexible, Older("response_format"), qualities: QualitiesSince25),
                Gpt("gpt-image-2.5-flare-2026-09-08", flexible, Older("response_format"), qualities: QualitiesSince25),
                Gpt("gpt-image-2.6-sunburst", flexible, new[] { "response_format" }, qualities: QualitiesSince25, outputFormats: Gpt26OutputFormats),
                Gpt("gpt-image-2.6-flare", flexible, new[] { "response_format" }, qualities: QualitiesSince25, outputFormats: Gpt26OutputFormats),
            };
        }

        /// <summary>The fields a model before gpt-image-2.6 refuses: its own, and what 2.6 added.</summary>
        private static string[] Older(params string[] unsupported) => unsupported.Concat(NewIn26).ToArray();

        private static ModelRules Gpt(string name, FlexibleSizeLimits? flexibleSizes, string[] unsupported, DateTime? shutdownDate = null, string? replacement = null,
            IReadOnlyList<string>? qualities = null, IReadOnlyList<string>? outputFormats = null) =>
            new ModelRules(name, isGptImageModel: true, maxPromptLength: MaxPromptLengthAnyModel, maxImages: MaxImagesAnyModel, maxImageBytes: FiftyMegabytes,
                imageFormats: GptImageFormats, requiresSquareImage: false, sizes: StandardGptSizes, flexibleSizes: flexibleSizes,
                values: new Dictionary<string, IReadOnlyList<string>> { ["quality"] = qualities ?? GptQualities, ["output_format"] = outputFormats ?? GptOutputFormats },
                unsupportedFields: unsupported, supportsStreaming: true, supportsJson: true, shutdownDate: shutdownDate, replacement: replacement);
    }
}
