using System.Globalization;
using System.Text.RegularExpressions;

namespace ImageEdit.TestServer;

/// <summary>
/// What the contract (images-edits.yaml and its field descriptions) refuses, checked the way the API would:
/// the first problem found becomes a 400 with an OpenAI-shaped error naming the param.
/// </summary>
public static class ContractValidator
{
    private static readonly string[] GptModels = ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21", "chatgpt-image-latest",
        "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"];
    /// <summary>The models that take any WIDTHxHEIGHT within the size rules.</summary>
    private static readonly string[] FlexibleSizeModels = ["gpt-image-2", "gpt-image-2-2026-04-21",
        "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"];
    /// <summary>The models that take quality xhigh and max (2.5 and 2.6).</summary>
    private static readonly string[] ExtendedQualityModels = ["gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08",
        "gpt-image-2.6-sunburst", "gpt-image-2.6-flare"];
    /// <summary>The models that take complexity, markup and gif output (2.6).</summary>
    private static readonly string[] Gpt26Models = ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"];

    private static readonly string[] StandardGptSizes = ["1024x1024", "1536x1024", "1024x1536", "auto"];
    private static readonly string[] DallE2Sizes = ["256x256", "512x512", "1024x1024"];
    private const long FourMegabytes = 4L * 1024 * 1024;
    private const long FiftyMegabytes = 50L * 1024 * 1024;
    private static readonly string[] JsonSizes = ["auto", "1024x1024", "1536x1024", "1024x1536"];

    /// <summary>A refusal: the message, the param it names (null for the body as a whole), the code, and the HTTP status.</summary>
    public sealed record Problem(string Message, string? Param, string? Code = "invalid_value", int Status = 400);

    /// <summary>
    /// Whether an edit may name this model as a GPT image model: the contract's own, or one a test listed through
    /// /_control/models as an image model (which then also accepts the extra values listed for it).
    /// </summary>
    public static bool IsGptImageModel(string model, ModelCatalog? catalog) =>
        GptModels.Contains(model) || (model != "dall-e-2" && catalog?.Find(model) is { } entry && ModelCatalog.IsImageModel(entry));

    /// <summary>Checks a multipart/form-data edit (CreateImageEditRequest).</summary>
    public static Problem? Check(RecordedRequest request, ModelCatalog? catalog = null)
    {
        string model = request.Field("model") ?? "gpt-image-1.5";
        bool dallE2 = model == "dall-e-2";
        bool gpt = IsGptImageModel(model, catalog);
        var entry = catalog?.Find(model);
        if (!dallE2 && !gpt)
        {
            return new Problem($"Invalid value for 'model': '{model}' is not a model that supports image edits.", "model");
        }

        if (request.Fields.FirstOrDefault(f => !EditFields.MultipartText.Contains(f.Name)) is { } unknown) return new Problem($"Unknown parameter: '{unknown.Name}'.", unknown.Name, "unknown_parameter");
        if (request.Files.FirstOrDefault(f => !EditFields.MultipartFiles.Contains(f.Name)) is { } unknownFile) return new Problem($"Unknown parameter: '{unknownFile.Name}'.", unknownFile.Name, "unknown_parameter");
        string? prompt = request.Field("prompt");
        if (string.IsNullOrWhiteSpace(prompt)) return new Problem("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        int promptLimit = dallE2 ? 1000 : 32000;
        if (prompt.Length > promptLimit) return new Problem($"Invalid 'prompt': string too long. Expected a string with maximum length {promptLimit}, but got a string with length {prompt.Length} instead.", "prompt", "string_above_max_length");

        var images = request.Files.Where(f => f.Name is "image" or "image[]").ToList();
        if (images.Count == 0) return new Problem("Missing required parameter: 'image'.", "image", "missing_required_parameter");
        if (request.Files.Any(f => f.Name == "image") && request.Files.Any(f => f.Name == "image[]")) return new Problem("Send either 'image' or 'image[]', not both.", "image");
        if (images.Count > 16) return new Problem($"Invalid 'image': expected at most 16 images, got {images.Count}.", "image", "array_above_max_length");
        if (dallE2 && images.Count > 1) return new Problem("dall-e-2 accepts exactly one image.", "image");
        foreach (var image in images)
        {
            string? format = ImageFactory.Sniff(image.Head);
            if (format is null) return new Problem($"Invalid file '{image.FileName}': unsupported image format. Supported formats are png, jpeg and webp.", "image", "invalid_image_format");
            // A part without a type (as some SDKs send) is judged by its bytes; a part that names another image type is refused.
            if (image.ContentType is { Length: > 0 } declared && declared != "application/octet-stream" && declared != "image/" + format) return new Problem($"Invalid file '{image.FileName}': the Content-Type '{image.ContentType}' does not match its {format} bytes.", "image", "invalid_image_format");
            if (dallE2 && format != "png") return new Problem("dall-e-2 requires a PNG image.", "image", "invalid_image_format");
            long limit = dallE2 ? FourMegabytes : FiftyMegabytes;
            if (image.Length >= limit) return new Problem($"Invalid file '{image.FileName}': images must be smaller than {limit / 1024 / 1024} MB.", "image", "image_too_large");
        }
        var first = ImageFactory.Dimensions(images[0].Head);
        if (dallE2 && first is { } square && square.Width != square.Height) return new Problem("dall-e-2 requires a square image.", "image", "invalid_image_dimensions");

        var mask = request.Files.FirstOrDefault(f => f.Name == "mask");
        if (mask != null)
        {
            if (ImageFactory.Sniff(mask.Head) != "png") return new Problem("Invalid 'mask': the mask must be a PNG file.", "mask", "invalid_image_format");
            if (mask.Length >= FourMegabytes) return new Problem("Invalid 'mask': the mask must be smaller than 4 MB.", "mask", "image_too_large");
            var maskSize = ImageFactory.Dimensions(mask.Head);
            if (first is { } a && maskSize is { } b && a != b) return new Problem($"Invalid 'mask': the mask is {b.Width}x{b.Height} but the image is {a.Width}x{a.Height}; they must match.", "mask", "invalid_image_dimensions");
        }
        var markup = request.Files.FirstOrDefault(f => f.Name == "markup");
        if (markup != null && MarkupProblem(model, mask != null, ImageFactory.Sniff(markup.Head), first, ImageFactory.Dimensions(markup.Head)) is { } markupProblem) return markupProblem;

        if (Integer(request, "n") is { } n && (n < 1 || n > 10)) return new Problem($"Invalid 'n': {n} is not between 1 and 10.", "n", "integer_out_of_range");
        if (request.Field("n") is { } nText && Integer(request, "n") is null) return new Problem($"Invalid 'n': '{nText}' is not an integer.", "n", "invalid_type");
        if (!OneOf(request, entry, "quality", Qualities(model, "standard"))) return Enum("quality", request);
        if (!OneOf(request, entry, "background", "transparent", "opaque", "auto")) return Enum("background", request);
        if (!OneOf(request, entry, "output_format", OutputFormats(model))) return Enum("output_format", request);
        if (!OneOf(request, entry, "input_fidelity", "high", "low")) return Enum("input_fidelity", request);
        if (!OneOf(request, entry, "response_format", "url", "b64_json")) return Enum("response_format", request);
        if (!OneOf(request, entry, "stream", "true", "false")) return Enum("stream", request);
        if (Integer(request, "output_compression") is { } c && (c < 0 || c > 100)) return new Problem($"Invalid 'output_compression': {c} is not between 0 and 100.", "output_compression", "integer_out_of_range");
        if (Integer(request, "partial_images") is { } p && (p < 0 || p > 3)) return new Problem($"Invalid 'partial_images': {p} is not between 0 and 3.", "partial_images", "integer_out_of_range");
        if (Gpt26Problem(request, model, entry, mask != null, request.Field("stream") == "true") is { } gpt26Problem) return gpt26Problem;

        if (dallE2)
        {
            foreach (var gptOnly in new[] { "background", "output_format", "output_compression", "input_fidelity", "partial_images" })
            {
                if (request.Field(gptOnly) != null) return new Problem($"'{gptOnly}' is not supported for dall-e-2.", gptOnly, "unsupported_parameter");
            }
            if (request.Field("stream") == "true") return new Problem("Streaming is not supported for dall-e-2.", "stream", "unsupported_parameter");
        }
        else if (request.Field("response_format") != null)
        {
            return new Problem($"'response_format' is not supported for {model}; GPT image models always return base64.", "response_format", "unsupported_parameter");
        }
        if (model == "gpt-image-1-mini" && request.Field("input_fidelity") != null) return new Problem("'input_fidelity' is not supported for gpt-image-1-mini.", "input_fidelity", "unsupported_parameter");
        if (request.Field("background") == "transparent" && request.Field("output_format") == "jpeg") return new Problem("Transparent backgrounds need output_format png or webp.", "background");
        if (request.Field("output_compression") != null && request.Field("output_format") is not ("jpeg" or "webp")) return new Problem("'output_compression' applies only to jpeg or webp output.", "output_compression");

        string? size = request.Field("size");
        if (size != null && !SizeAllowed(model, size) && !ModelCatalog.Extra(entry, "size").Contains(size)) return new Problem($"Invalid 'size': '{size}' is not supported for {model}.", "size");
        return null;
    }

    /// <summary>
    /// Checks a JSON edit (EditImageBodyJsonParam) once JsonEditReader has recorded its fields and image references:
    /// GPT image models only, the JSON enums (no "standard" quality, no custom sizes), the images behind the references.
    /// An https image_url cannot be fetched here, so it is taken for a 1024x1024 PNG.
    /// </summary>
    public static Problem? CheckJson(RecordedRequest request, ModelCatalog? catalog = null)
    {
        string model = request.Field("model") ?? "gpt-image-1.5";
        if (model == "dall-e-2") return new Problem("Invalid value for 'model': JSON edits take GPT image models only; dall-e-2 (DALL-E) edits need a multipart/form-data request.", "model");
        if (!IsGptImageModel(model, catalog)) return new Problem($"Invalid value for 'model': '{model}' is not a model that supports image edits.", "model");
        var entry = catalog?.Find(model);

        string? prompt = request.Field("prompt");
        if (prompt is null) return new Problem("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        if (prompt.Length == 0) return new Problem("Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an empty string instead.", "prompt", "string_below_min_length");
        if (prompt.Length > 32000) return new Problem($"Invalid 'prompt': string too long. Expected a string with maximum length 32000, but got a string with length {prompt.Length} instead.", "prompt", "string_above_max_length");

        var images = request.ImageRefs.Where(r => r.Role == "image").ToList();
        if (images.Count == 0) return new Problem("Missing required parameter: 'images'.", "images", "missing_required_parameter");
        (int Width, int Height)? first = null;
        foreach (var image in images)
        {
            var problem = CheckReference(image, FiftyMegabytes, out _, out var dimensions);
            if (problem != null) return problem;
            if (image.Index == 0) first = dimensions;
        }
        var mask = request.ImageRefs.FirstOrDefault(r => r.Role == "mask");
        if (mask != null)
        {
            var problem = CheckReference(mask, FourMegabytes, out string format, out var maskSize);
            if (problem != null) return problem;
            if (format != "png") return new Problem($"Invalid 'mask': the mask must be a PNG image, not {format}.", "mask", "invalid_image_format");
            if (first is { } a && maskSize is { } b && a != b) return new Problem($"Invalid 'mask': the mask is {b.Width}x{b.Height} but the first image is {a.Width}x{a.Height}; they must match.", "mask", "invalid_image_dimensions");
        }
        var markup = request.ImageRefs.FirstOrDefault(r => r.Role == "markup");
        if (markup != null)
        {
            var problem = CheckReference(markup, FiftyMegabytes, out string format, out var markupSize);
            if (problem != null) return problem;
            // An https markup cannot be fetched here: its size is taken to match.
            if (MarkupProblem(model, mask != null, format, first, markup.Kind == "url" ? first : markupSize) is { } markupProblem) return markupProblem;
        }

        if (Long(request, "n") is { } n && (n < 1 || n > 10)) return new Problem($"Invalid 'n': {n} is not between 1 and 10.", "n", "integer_out_of_range");
        if (!OneOf(request, entry, "quality", Qualities(model))) return Enum("quality", request);
        if (!OneOf(request, entry, "input_fidelity", "high", "low")) return Enum("input_fidelity", request);
        if (!OneOf(request, entry, "output_format", OutputFormats(model))) return Enum("output_format", request);
        if (!OneOf(request, entry, "moderation", "low", "auto")) return Enum("moderation", request);
        if (!OneOf(request, entry, "background", "transparent", "opaque", "auto")) return Enum("background", request);
        if (request.Field("size") is { } size && !JsonSizes.Contains(size) && !ModelCatalog.Extra(entry, "size").Contains(size))
        {
            return new Problem($"Invalid value for 'size': '{size}' is not one of auto, 1024x1024, 1536x1024 or 1024x1536. JSON edits take only these sizes; custom sizes need a multipart request.", "size");
        }
        if (Long(request, "output_compression") is { } c && (c < 0 || c > 100)) return new Problem($"Invalid 'output_compression': {c} is not between 0 and 100.", "output_compression", "integer_out_of_range");
        if (Long(request, "partial_images") is { } p && (p < 0 || p > 3)) return new Problem($"Invalid 'partial_images': {p} is not between 0 and 3.", "partial_images", "integer_out_of_range");
        if (Gpt26Problem(request, model, entry, mask != null, request.Field("stream") == "true") is { } gpt26Problem) return gpt26Problem;

        if (model == "gpt-image-1-mini" && request.Field("input_fidelity") != null) return new Problem("'input_fidelity' is not supported for gpt-image-1-mini.", "input_fidelity", "unsupported_parameter");
        string outputFormat = request.Field("output_format") ?? "png";
        if (request.Field("background") == "transparent" && outputFormat == "jpeg") return new Problem("Transparent backgrounds need output_format png or webp.", "background");
        // The contract's own JSON example sends output_compression 100 with png output: full quality is no compression, so only less is refused.
        if (Long(request, "output_compression") is < 100 && outputFormat is not ("jpeg" or "webp")) return new Problem("'output_compression' below 100 applies only to jpeg or webp output.", "output_compression");
        return null;
    }

    /// <summary>What an ImageRefParam stands for: a file that must exist, bytes that must be an image of the type declared and small enough.</summary>
    private static Problem? CheckReference(RecordedImageRef image, long limit, out string format, out (int Width, int Height)? dimensions)
    {
        format = "png";
        dimensions = null;
        if (image.Kind == "url")
        {
            dimensions = (1024, 1024);
            return null;
        }
        string param = image.Param + (image.Kind == "file_id" ? ".file_id" : ".image_url");
        if (image.Kind == "file_id" && !image.Found)
        {
            // What OpenAI answers for a file ID it has no file for (never uploaded, deleted, or another project's): a 404.
            return new Problem($"Invalid '{param}': no file with id '{image.FileId}' has been uploaded (No such File object: {image.FileId}).", param, "file_not_found", 404);
        }
        string what = image.Kind == "file_id" ? $"the file '{image.FileId}'" : "the data URL";
        string? sniffed = ImageFactory.Sniff(image.Head ?? []);
        if (sniffed is null) return new Problem($"Invalid '{param}': {what} is not a supported image. Supported formats are png, jpeg and webp.", param, "invalid_image_format");
        if (image.Kind == "data_url" && image.MediaType != "image/" + sniffed) return new Problem($"Invalid '{param}': the data URL declares {image.MediaType} but holds {sniffed} bytes.", param, "invalid_image_format");
        if (image.Length >= limit) return new Problem($"Invalid '{param}': {what} must be smaller than {limit / 1024 / 1024} MB.", param, "image_too_large");
        format = sniffed;
        dimensions = ImageFactory.Dimensions(image.Head!);
        return null;
    }

    public static bool SizeAllowed(string model, string size)
    {
        if (model == "dall-e-2") return DallE2Sizes.Contains(size);
        if (StandardGptSizes.Contains(size)) return true;
        if (!FlexibleSizeModels.Contains(model)) return false;
        var match = Regex.Match(size, "^([0-9]{1,5})x([0-9]{1,5})$");
        if (!match.Success) return false;
        int w = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), h = int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        long pixels = (long)w * h;
        // Both sides multiples of 16, the longest edge at most 3840, at most 3:1, and 655,360 to 8,294,400 pixels.
        return w % 16 == 0 && h % 16 == 0 && Math.Max(w, h) <= 3840 && w * 3 >= h && h * 3 >= w && pixels >= 655_360 && pixels <= 8_294_400;
    }

    private static string[] Qualities(string model, params string[] more) =>
        ["low", "medium", "high", "auto", .. ExtendedQualityModels.Contains(model) ? new[] { "xhigh", "max" } : [], .. more];

    private static string[] OutputFormats(string model) => ["png", "jpeg", "webp", .. Gpt26Models.Contains(model) ? new[] { "gif" } : []];

    /// <summary>A markup image (gpt-image-2.6): a PNG the size of the first image, never with a mask.</summary>
    private static Problem? MarkupProblem(string model, bool hasMask, string? format, (int Width, int Height)? first, (int Width, int Height)? markup)
    {
        if (!Gpt26Models.Contains(model)) return new Problem($"'markup' is not supported for {model}.", "markup", "unsupported_parameter");
        if (hasMask) return new Problem("'markup' and 'mask' cannot be used together.", "markup");
        if (format != "png") return new Problem($"Invalid 'markup': the markup must be a PNG image, not {format ?? "an unsupported format"}.", "markup", "invalid_image_format");
        if (first is { } a && markup is { } b && a != b) return new Problem($"Invalid 'markup': the markup is {b.Width}x{b.Height} but the first image is {a.Width}x{a.Height}; they must match.", "markup", "invalid_image_dimensions");
        return null;
    }

    /// <summary>complexity, frame_count and frame_duration_ms (gpt-image-2.6), and what gif output refuses: a stream, a mask, output_compression.</summary>
    private static Problem? Gpt26Problem(RecordedRequest request, string model, ModelEntry? entry, bool hasMask, bool stream)
    {
        bool gpt26 = Gpt26Models.Contains(model) || entry?.Values?.ContainsKey("complexity") == true;
        foreach (var name in new[] { "complexity", "frame_count", "frame_duration_ms" })
        {
            if (request.Field(name) != null && !gpt26) return new Problem($"'{name}' is not supported for {model}.", name, "unsupported_parameter");
        }
        if (!OneOf(request, entry, "complexity", "low", "medium", "high")) return Enum("complexity", request);
        foreach (var (name, min, max) in new[] { ("frame_count", 2L, 16L), ("frame_duration_ms", 20L, long.MaxValue) })
        {
            if (request.Field(name) is not { } text) continue;
            if (Long(request, name) is not { } value) return new Problem($"Invalid '{name}': '{text}' is not an integer.", name, "invalid_type");
            if (value < min || value > max) return new Problem($"Invalid '{name}': {value} is not {(max == long.MaxValue ? $"{min} or more" : $"between {min} and {max}")}.", name, "integer_out_of_range");
        }
        bool gif = request.Field("output_format") == "gif";
        if (!gif)
        {
            var frames = new[] { "frame_count", "frame_duration_ms" }.FirstOrDefault(f => request.Field(f) != null);
            return frames is null ? null : new Problem($"'{frames}' applies only to output_format gif.", frames);
        }
        if (stream || request.Field("partial_images") is { } and not "0") return new Problem("output_format gif cannot be streamed and has no partial images.", stream ? "stream" : "partial_images");
        if (hasMask) return new Problem("output_format gif cannot be used with a mask.", "mask");
        if (request.Field("output_compression") != null) return new Problem("'output_compression' does not apply to output_format gif.", "output_compression");
        return null;
    }

    private static int? Integer(RecordedRequest request, string name) =>
        int.TryParse(request.Field(name), NumberStyles.None, CultureInfo.InvariantCulture, out int value) ? value : null;

    private static bool OneOf(RecordedRequest request, ModelEntry? entry, string name, params string[] allowed) =>
        request.Field(name) is not { } value || allowed.Contains(value) || ModelCatalog.Extra(entry, name).Contains(value);

    private static long? Long(RecordedRequest request, string name) =>
        long.TryParse(request.Field(name), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) ? value : null;

    private static Problem Enum(string name, RecordedRequest request) =>
        new($"Invalid value for '{name}': '{request.Field(name)}' is not one of the supported values.", name);
}
