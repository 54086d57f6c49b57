using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using System.Linq;

namespace ImageEdit.Rules
{
    /// <summary>
    /// Checks a request against the rules table and the files' headers before a byte is sent, so that a request the
    /// API would refuse costs nothing. The first broken rule becomes a <see cref="LocalCheckException"/> whose message
    /// names the rule and the fix.
    /// </summary>
    internal sealed class RequestValidator
    {
        private readonly ImageProbeCache _probes;

        public RequestValidator(ImageProbeCache probes)
        {
            _probes = probes;
        }

        public ValidationResult Validate(ImageEditRequest request)
        {
            var result = new ValidationResult();
            var model = ModelCatalog.RulesFor(request.Model);
            if (model is null)
            {
                result.Notes.Add($"The model '{request.Model}' is not in ImageEdit's rules table; it is sent as given, with only the checks that hold for every model.");
            }
            try
            {
                CheckPrompt(request, model);
                var first = CheckImages(request, model);
                CheckMask(request, first, result);
                CheckFields(request, model);
                CheckSize(request, model);
            }
            catch (LocalCheckException ex)
            {
                result.Error = ex;
            }
            return result;
        }

        private static void CheckPrompt(ImageEditRequest request, ModelRules? model)
        {
            if (string.IsNullOrWhiteSpace(request.Prompt))
            {
                throw Argument("PromptEmpty", request.SourcePath, "The prompt is blank; say what the edit should do.", "Pass -Prompt with a description of the edit.");
            }
            int limit = model?.MaxPromptLength ?? ModelCatalog.MaxPromptLengthAnyModel;
            if (request.Prompt.Length > limit)
            {
                throw Argument("PromptTooLong", request.SourcePath,
                    $"The prompt is {request.Prompt.Length} characters long; {ModelLabel(model)} takes at most {limit}.", $"Shorten the prompt to {limit} characters or fewer.");
            }
        }

        private ImageInfo CheckImages(ImageEditRequest request, ModelRules? model)
        {
            int limit = model?.MaxImages ?? ModelCatalog.MaxImagesAnyModel;
            if (request.Images.Count > limit)
            {
                throw Argument("TooManyImages", request.SourcePath,
                    limit == 1
                        ? $"{ModelLabel(model)} edits exactly one image, but the request has {request.Images.Count} (the image and {request.Images.Count - 1} from -ReferencePath)."
                        : $"A request may carry at most {limit} images, but this one has {request.Images.Count} (the image and {request.Images.Count - 1} from -ReferencePath).",
                    limit == 1 ? "Drop -ReferencePath, or use a GPT image model." : $"Pass at most {limit - 1} reference images.");
            }
            ImageInfo? first = null;
            foreach (var path in request.Images)
            {
                var info = Probe(path, "image");
                long maxBytes = model?.MaxImageBytes ?? 50L * 1024 * 1024;
                if (model != null && !Contains(model.ImageFormats, info.Format))
                {
                    throw Data("ImageFormatNotSupported", path, $"{Name(path)} is a {info.Format} image, but {model.Label} accepts only {string.Join(" or ", model.ImageFormats)}.",
                        $"Convert {Name(path)} to PNG, or use a GPT image model.");
                }
                if (info.Length >= maxBytes)
                {
                    throw Data("ImageTooLarge", path, $"{Name(path)} is {Megabytes(info.Length)}; {ModelLabel(model)} takes images smaller than {Megabytes(maxBytes)}.",
                        $"Reduce {Name(path)} below {Megabytes(maxBytes)}.");
                }
                if (model?.RequiresSquareImage == true && info.Width != info.Height)
                {
                    throw Data("ImageNotSquare", path, $"{Name(path)} is {info.Width}x{info.Height}, but {model.Label} edits only square images.",
                        "Crop the image to a square, or use a GPT image model.");
                }
                first ??= info;
            }
            return first!;
        }

        private void CheckMask(ImageEditRequest request, ImageInfo first, ValidationResult result)
        {
            if (request.Mask is null)
            {
                return;
            }
            var mask = Probe(request.Mask, "mask");
            if (mask.Format != ImageFormat.Png)
            {
                throw Data("MaskNotPng", request.Mask, $"The mask {Name(request.Mask)} is a {mask.Format} image; a mask must be a PNG.", "Save the mask as a PNG with transparent areas where the edit goes.");
            }
            if (mask.Length >= ModelCatalog.MaskMaxBytes)
            {
                throw Data("MaskTooLarge", request.Mask, $"The mask {Name(request.Mask)} is {Megabytes(mask.Length)}; a mask must be smaller than {Megabytes(ModelCatalog.MaskMaxBytes)}.",
                    "Reduce the mask's file size (it only needs an alpha channel).");
            }
            if (mask.Width != first.Width || mask.Height != first.Height)
            {
                throw Data("MaskSizeMismatch", request.Mask,
                    $"{Name(request.Mask)} is {mask.Width}x{mask.Height} but {Name(request.SourcePath)} is {first.Width}x{first.Height}; a mask must have the same width and height as the first image.",
                    $"Resize the mask to {first.Width}x{first.Height}.");
            }
            if (!mask.HasAlpha)
            {
                result.Warnings.Add($"The mask {Name(request.Mask)} has no alpha channel, so it marks nothing to edit: the edit may change the whole image. Fully transparent pixels mark where to edit.");
            }
        }

        /// <summary>Each given field against its own description (range, known values) and the model's rules (refused fields, the model's values).</summary>
        private static void CheckFields(ImageEditRequest request, ModelRules? model)
        {
            foreach (var pair in request.Fields)
            {
                var field = pair.Key;
                object value = pair.Value;
                if (field.HasRange && value is int number && (number < field.Minimum || number > field.Maximum))
                {
                    throw Argument(field.ParameterName + "OutOfRange", request.SourcePath,
                        $"-{field.ParameterName} {number} is out of range; it must be between {field.Minimum} and {field.Maximum}.",
                        $"Pass -{field.ParameterName} from {field.Minimum} to {field.Maximum}.");
                }
                if (model is null)
                {
                    continue;
                }
                if (model.UnsupportedFields.Contains(field.WireName) || (field.GptImageOnly && !model.IsGptImageModel))
                {
                    throw Argument("ParameterNotSupportedByModel", request.SourcePath, $"{model.Label} does not support -{field.ParameterName}.",
                        field.WireName == "response_format" ? "Drop -ResponseFormat: GPT image models always return base64." : $"Drop -{field.ParameterName}, or choose a model that supports it.");
                }
                if (field.Kind == FieldKind.Choice && value is string text)
                {
                    var allowed = model.ValuesFor(field.WireName) ?? field.Values;
                    if (!allowed.Contains(text, StringComparer.OrdinalIgnoreCase))
                    {
                        throw Argument("ValueNotSupportedByModel", request.SourcePath,
                            $"-{field.ParameterName} '{text}' is not a value {model.Label} takes; it takes {string.Join(", ", allowed)}.",
                            $"Pass -{field.ParameterName} {string.Join(" or ", allowed)}, or leave it out.");
                    }
                }
            }
            if (model is null)
            {
                return;
            }
            if (request.Stream && !model.SupportsStreaming)
            {
                throw Argument("StreamingNotSupportedByModel", request.SourcePath, $"{model.Label} cannot stream its edits.", "Use Edit-Image for this model, or stream with a GPT image model.");
            }
            string? background = request.Value("background") as string;
            string outputFormat = request.OutputFormat ?? "png";
            if (background == "transparent" && outputFormat == "jpeg")
            {
                throw Argument("TransparentNeedsPngOrWebp", request.SourcePath, "A transparent background needs png or webp output, but -OutputFormat is jpeg.",
                    "Pass -OutputFormat png or webp, or drop -Background transparent.");
            }
            if (request.Value("output_compression") != null && outputFormat != "jpeg" && outputFormat != "webp")
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
            bool isAuto = size == "auto";
            if (!isAuto && !TryParseSize(size, out _, out _))
            {
                throw Argument("InvalidSize", request.SourcePath, $"-Size '{size}' is not a size: write WIDTHxHEIGHT (for example 1024x1536) or auto.", "Pass -Size as WIDTHxHEIGHT or auto.");
            }
            if (model is null || Contains(model.Sizes, size))
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
                $"{model.Label} does not make {size} images" + (why is null ? "" : $": {why}") + $". It takes {string.Join(", ", model.Sizes)}" +
                (model.FlexibleSizes is null ? "." : $", or {model.FlexibleSizes}."),
                "Pass one of the sizes listed.");
        }

        private ImageInfo Probe(string path, string role)
        {
            try
            {
                return _probes.Probe(path);
            }
            catch (FileNotFoundException)
            {
                throw new LocalCheckException("PathNotFound", ErrorCategory.ObjectNotFound, path, $"Cannot find the {role} file '{path}'.", "Check the path.");
            }
            catch (UnauthorizedAccessException)
            {
                throw new LocalCheckException("FileNotReadable", ErrorCategory.PermissionDenied, path, $"{Name(path)} cannot be read: access is denied.", $"Grant read access to {path}.");
            }
            catch (IOException ex)
            {
                throw new LocalCheckException("FileNotReadable", ErrorCategory.ReadError, path, $"{Name(path)} cannot be read: {ex.Message}", null);
            }
            catch (EmptyImageFileException)
            {
                throw Data("EmptyFile", path, $"The {role} file {Name(path)} is empty (0 bytes).", "Pass a PNG, JPEG or WebP image.");
            }
            catch (InvalidImageException ex)
            {
                bool unknownFormat = ex is UnrecognisedImageFormatException;
                throw Data(unknownFormat ? "UnsupportedImageFormat" : "InvalidImage", path,
                    $"The {role} file {Name(path)} {(unknownFormat ? "is not a PNG, JPEG or WebP image" : "is not a valid image")}: {ex.Message}.",
                    unknownFormat ? "Convert it to PNG, JPEG or WebP (the extension does not matter; the bytes do)." : "Re-save the image with an image editor.");
            }
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

        private static bool Contains<T>(IReadOnlyList<T> items, T item)
        {
            foreach (var candidate in items)
            {
                if (EqualityComparer<T>.Default.Equals(candidate, item)) return true;
            }
            return false;
        }

        private static string ModelLabel(ModelRules? model) => model?.Label ?? "the API";

        private static string Name(string path) => Path.GetFileName(path);

        private static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " MB";

        private static LocalCheckException Argument(string id, object? target, string message, string action) =>
            new LocalCheckException(id, ErrorCategory.InvalidArgument, target, message, action);

        private static LocalCheckException Data(string id, object? target, string message, string action) =>
            new LocalCheckException(id, ErrorCategory.InvalidData, target, message, action);
    }

    /// <summary>What the checks found: the first broken rule, warnings, and notes for Verbose.</summary>
    internal sealed class ValidationResult
    {
        public LocalCheckException? Error { get; set; }
        public List<string> Warnings { get; } = new List<string>();
        public List<string> Notes { get; } = new List<string>();
    }
}
