namespace ImageEdit.TestServer;

/// <summary>
/// Every name an image edit may carry, per body form, as the contract has them (CreateImageEditRequest for multipart,
/// EditImageBodyJsonParam for JSON, plus the fields images-edits-2026-12.md adds): a name not listed here is refused as
/// unknown_parameter, as the API does. ContractValidator refuses multipart names by these lists, JsonEditReader reads
/// JSON members by them, and FieldContractTests compares them with the names the module's encoders write.
/// </summary>
public static class EditFields
{
    /// <summary>The text fields of a multipart edit.</summary>
    public static readonly IReadOnlyList<string> MultipartText = ["prompt", "model", "n", "size", "quality", "complexity", "background", "input_fidelity",
        "output_format", "output_compression", "frame_count", "frame_duration_ms", "response_format", "user", "partial_images", "stream"];

    /// <summary>The file parts of a multipart edit: one image, or several as image[], then the mask and the markup.</summary>
    public static readonly IReadOnlyList<string> MultipartFiles = ["image", "image[]", "mask", "markup"];

    /// <summary>JSON members that hold an array of image references (image_url or file_id).</summary>
    public const string JsonImages = "images";

    /// <summary>JSON members that hold one image reference.</summary>
    public static readonly IReadOnlyList<string> JsonImageReferences = ["mask", "markup"];

    /// <summary>JSON members that hold a string and may not be null.</summary>
    public static readonly IReadOnlyList<string> JsonStrings = ["prompt", "user"];

    /// <summary>JSON members that hold a string or null.</summary>
    public static readonly IReadOnlyList<string> JsonNullableStrings = ["model", "quality", "complexity", "input_fidelity", "size", "output_format", "moderation", "background"];

    /// <summary>JSON members that hold an integer or null.</summary>
    public static readonly IReadOnlyList<string> JsonNullableIntegers = ["n", "output_compression", "partial_images", "frame_count", "frame_duration_ms"];

    /// <summary>JSON members that hold a boolean or null.</summary>
    public static readonly IReadOnlyList<string> JsonBooleans = ["stream"];

    /// <summary>Every name a multipart edit may carry: its text fields and file parts.</summary>
    public static IReadOnlyList<string> Multipart => [.. MultipartText, .. MultipartFiles];

    /// <summary>Every member a JSON edit may carry.</summary>
    public static IReadOnlyList<string> Json => [JsonImages, .. JsonImageReferences, .. JsonStrings, .. JsonNullableStrings, .. JsonNullableIntegers, .. JsonBooleans];
}
