using System;
using System.Globalization;
using System.Linq;
using ImageEdit.Requests;
using static ImageEdit.Rules.Refusal;

namespace ImageEdit.Rules
{
    /// <summary>
    /// Each given field against its own description (range) and the model's rules (refused fields, its values, sizes).
    /// The API is the authority and the table is knowledge: a value is refused only when the table knows the model
    /// refuses it; a value the table has never heard of for its field is sent as given, with a warning.
    /// </summary>
    internal static class FieldChecks
    {
        public static void Check(ImageEditRequest request, ModelRules? model, ValidationResult result)
        {
            foreach (var pair in request.Fields)
            {
                var field = pair.Key;
                object value = pair.Value;
                if (field.HasRange && value is int number && (number < field.Minimum || number > field.Maximum))
                {
                    throw Argument(field.ParameterName + "OutOfRange", request.SourcePath,
                        $"-{field.ParameterName} {number} is out of range; it must be {field.RangeWords}.",
                        $"Pass -{field.ParameterName} {field.RangeAdvice}.");
                }
                if (model != null && (model.UnsupportedFields.Contains(field.WireName) || (field.GptImageOnly && !model.IsGptImageModel)))
                {
                    throw Argument("ParameterNotSupportedByModel", request.SourcePath, $"{model.SentenceLabel} does not support -{field.ParameterName}.",
                        field.WireName == "response_format" ? "Drop -ResponseFormat: GPT image models always return base64." : $"Drop -{field.ParameterName}, or choose a model that supports it.");
                }
                if (field.Kind != FieldKind.Choice || value is not string text)
                {
                    continue;
                }
                var allowed = model?.ValuesFor(field.WireName) ?? field.Values;
                if (allowed.Contains(text, StringComparer.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (!KnownToTable(field, text))
                {
                    // The API may have grown since this version of the table: it decides.
                    result.Warnings.Add($"-{field.ParameterName} '{text}' is not a value ImageEdit's rules table knows for {model?.Label ?? request.Model}" +
                        $" (it knows {string.Join(", ", allowed)}); it is sent as given, and the API decides.");
                }
                else if (model != null)
                {
                    // A value the table knows, for a model the table knows does not take it.
                    throw Argument("ValueNotSupportedByModel", request.SourcePath,
                        $"-{field.ParameterName} '{text}' is not a value {model.Label} takes; it takes {string.Join(", ", allowed)}.",
                        $"Pass -{field.ParameterName} {string.Join(" or ", allowed)}, or leave it out.");
                }
            }
            CheckSize(request, model);
            if (model != null)
            {
                CheckCombinations(request, model);
            }
        }

        /// <summary>Whether the table has heard of this value for the field: the field's own values, or any model's.</summary>
        private static bool KnownToTable(RequestField field, string value) =>
            field.Values.Contains(value, StringComparer.OrdinalIgnoreCase)
            || ModelCatalog.All.Any(m => m.ValuesFor(field.WireName)?.Contains(value, StringComparer.OrdinalIgnoreCase) == true);

        private static void CheckCombinations(ImageEditRequest request, ModelRules model)
        {
            if (request.Stream && !model.SupportsStreaming)
            {
                throw Argument("StreamingNotSupportedByModel", request.SourcePath, $"{model.SentenceLabel} cannot stream its edits.", "Use Edit-Image for this model, or stream with a GPT image model.");
            }
            string? background = request.Value("background") as string;
            string outputFormat = request.OutputFormat ?? "png";
            if (background == "transparent" && outputFormat == "jpeg")
            {
                throw Argument("TransparentNeedsPngOrWebp", request.SourcePath, "A transparent background needs png or webp output, but -OutputFormat is jpeg.",
                    "Pass -OutputFormat png or webp, or drop -Background transparent.");
            }
            // A format the table has never heard of may take compression: the API decides.
            if (request.Value("output_compression") != null && outputFormat != "jpeg" && outputFormat != "webp" && KnownToTable(RequestFields.Wire("output_format"), outputFormat))
            {
                throw Argument("OutputCompressionNeedsJpegOrWebp", request.SourcePath,
                    $"-OutputCompression applies only to jpeg or webp output, but the output format is {outputFormat}{(request.OutputFormat is null ? " (the default)" : "")}.",
                    "Pass -OutputFormat jpeg or webp, or drop -OutputCompression.");
            }
        }

        private static void CheckSize(ImageEditRequest request, ModelRules? model)
        {
            string? size = request.Value("size") as string;
            if (size is null)
            {
                return;
            }
            if (size != "auto" && !TryParseSize(size, out _, out _))
            {
                throw Argument("InvalidSize", request.SourcePath, $"-Size '{size}' is not a size: write WIDTHxHEIGHT (for example 1024x1536) or auto.", "Pass -Size as WIDTHxHEIGHT or auto.");
            }
            if (model is null || model.Sizes.Contains(size))
            {
                return;
            }
            string? why = null;
            if (model.FlexibleSizes != null && TryParseSize(size, out int width, out int height))
            {
                why = model.FlexibleSizes.Explain(width, height);
                if (why is null)
                {
                    return;
                }
            }
            throw Argument("SizeNotSupportedByModel", request.SourcePath,
                $"{model.SentenceLabel} does not make {size} images" + (why is null ? "" : $": {why}") + $". It takes {string.Join(", ", model.Sizes)}" +
                (model.FlexibleSizes is null ? "." : $", or {model.FlexibleSizes}."),
                "Pass one of the sizes listed.");
        }

        internal static bool TryParseSize(string size, out int width, out int height)
        {
            width = height = 0;
            int x = size.IndexOf('x');
            return x > 0
                && int.TryParse(size.Substring(0, x), NumberStyles.None, CultureInfo.InvariantCulture, out width)
                && int.TryParse(size.Substring(x + 1), NumberStyles.None, CultureInfo.InvariantCulture, out height)
                && width > 0 && height > 0;
        }
    }
}
