using System;
using System.Linq;
using ImageEdit.Images;
using ImageEdit.Requests;
using static ImageEdit.Rules.Refusal;

namespace ImageEdit.Rules
{
    /// <summary>What the JSON body (images by URL or file ID, moderation) refuses that multipart would take.</summary>
    internal static class JsonBodyChecks
    {

        public static void Check(ImageEditRequest request, ModelRules? model)
        {
            if (!request.UsesJson)
            {
                return;
            }
            if (model != null && !model.SupportsJson)
            {
                throw Argument("JsonNotSupportedByModel", request.SourcePath,
                    $"{model.SentenceLabel} takes only uploaded files (multipart), but this request needs the JSON body ({Why(request)}).",
                    request.ForBatch
                        ? $"Use a GPT image model (e.g. -Model gpt-image-2) for a batch, or Edit-Image for {model.Label}."
                        : "Use a GPT image model (e.g. -Model gpt-image-2), or pass local files with -Path and leave out -ImageUrl, -FileId, -ReferenceUrl, -ReferenceFileId, -MaskUrl, -MaskFileId, -MarkupUrl, -MarkupFileId and -Moderation.");
            }
            foreach (var field in request.Fields.Select(f => f.Key).Where(f => (f.Bodies & BodyForms.Json) == 0))
            {
                throw Argument("ParameterNotSupportedInJson", request.SourcePath,
                    $"-{field.ParameterName} is not part of the JSON body, which this request needs ({Why(request)}).", $"Drop -{field.ParameterName}.");
            }
            var sizeField = RequestFields.Wire("size");
            // A model the table does not know may take new sizes: its value is sent as given.
            bool unknownModel = request.Model != null && model is null;
            if (!unknownModel && request.Value("size") is string size && !sizeField.JsonValues.Contains(size, StringComparer.OrdinalIgnoreCase))
            {
                throw Argument("SizeNotSupportedInJson", request.SourcePath,
                    $"-Size {size} cannot be sent in the JSON body ({Why(request)}), which takes only {string.Join(", ", sizeField.JsonValues)}.",
                    request.ForBatch
                        ? "Pass one of those sizes; for a custom size use Edit-Image, which sends local files by multipart."
                        : "Pass one of those sizes, or send local files by multipart (without -ImageUrl, -FileId and -Moderation) for a custom size.");
            }
            foreach (var (role, image) in request.ImagesWithRoles)
            {
                CheckReference(request, image, role);
            }
        }

        /// <param name="role">image, reference, mask or markup (<see cref="ImageEditRequest.ImagesWithRoles"/>).</param>
        private static void CheckReference(ImageEditRequest request, ImageSource image, string imageRole)
        {
            // A mask and a markup image must be PNGs; the images may be PNG, JPEG or WebP.
            bool pngOnly = imageRole is "mask" or "markup";
            string role = imageRole switch { "mask" => "The mask", "markup" => "The markup image", _ => "The image" };
            switch (image.Kind)
            {
                case ImageSourceKind.File when request.ForBatch:
                    // A batch uploads its local files and names them by file ID: no data URL limit applies.
                    break;
                case ImageSourceKind.File:
                    long length = JsonEditEncoder.DataUrlLength(image, image.Info!.Length);
                    if (length > JsonEditEncoder.MaxImageUrlLength)
                    {
                        throw Data("DataUrlTooLong", request.SourcePath,
                            $"{role} {image.Display} is {image.Info.Length:N0} bytes; as a data URL in the JSON body it would be {length:N0} characters, over the API's limit of {JsonEditEncoder.MaxImageUrlLength:N0}.",
                            UploadAdvice(request, image, imageRole));
                    }
                    break;
                case ImageSourceKind.Url:
                    if (image.Value.Length > JsonEditEncoder.MaxImageUrlLength)
                    {
                        throw Argument("ImageUrlTooLong", request.SourcePath,
                            $"{role} URL is {image.Value.Length:N0} characters long; the API takes at most {JsonEditEncoder.MaxImageUrlLength:N0}.", "Upload the image and pass its file ID instead.");
                    }
                    bool https = Uri.TryCreate(image.Value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps;
                    bool dataUrl = image.IsDataUrl && image.Value.IndexOf(";base64,", StringComparison.OrdinalIgnoreCase) > 0;
                    string localParameter = imageRole switch { "mask" => "-Mask", "markup" => "-Markup", "image" => "-Path", _ => "-ReferencePath" };
                    if (!https && !dataUrl)
                    {
                        throw Argument("InvalidImageUrl", request.SourcePath,
                            $"{role} URL '{image.Display}' is neither an https URL nor a base64 data URL (data:image/png;base64,...).",
                            $"Pass an https URL or a data URL; for a local file use {localParameter}.");
                    }
                    if (dataUrl && DataUrlProblem(image.Value, pngOnly) is { } problem)
                    {
                        throw Data("InvalidImageUrl", request.SourcePath, $"{role} data URL ({image.Display}) {problem}.",
                            $"Pass a data URL of a {(pngOnly ? "PNG" : "PNG, JPEG or WebP")} image, or the local file with {localParameter}.");
                    }
                    break;
                default:
                    if (image.Value.Trim().Length == 0 || image.Value.Any(char.IsWhiteSpace))
                    {
                        throw Argument("InvalidFileId", request.SourcePath, $"'{image.Value}' is not a file ID.", "Pass the id of an uploaded file (file-...), e.g. from Add-ImageEditFile.");
                    }
                    break;
            }
        }

        /// <summary>What is wrong with a data URL's type or first bytes, or null: the API would refuse it, so it is refused here for free.</summary>
        private static string? DataUrlProblem(string url, bool pngOnly)
        {
            int comma = url.IndexOf(',');
            string mediaType = url.Substring(5, url.IndexOf(';') - 5).ToLowerInvariant();
            var declared = mediaType switch { "image/png" => ImageFormat.Png, "image/jpeg" => ImageFormat.Jpeg, "image/jpg" => ImageFormat.Jpeg, "image/webp" => ImageFormat.WebP, _ => ImageFormat.Unknown };
            if (declared == ImageFormat.Unknown || (pngOnly && declared != ImageFormat.Png))
            {
                return $"is of type {mediaType}, not {(pngOnly ? "image/png" : "image/png, image/jpeg or image/webp")}";
            }
            string head = url.Substring(comma + 1, Math.Min(16, url.Length - comma - 1));
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(head.Length % 4 == 0 ? head : head.Substring(0, head.Length - head.Length % 4));
            }
            catch (FormatException)
            {
                return "is not valid base64";
            }
            var actual = ImageFormats.FromMagic(bytes, bytes.Length);
            return actual == declared ? null : $"says {mediaType} but its bytes are {(actual == ImageFormat.Unknown ? "not a PNG, JPEG or WebP image" : "a " + actual + " image")}";
        }

        private static string UploadAdvice(ImageEditRequest request, ImageSource image, string imageRole)
        {
            string file = "'" + image.Value + "'";
            if (imageRole == "mask") return $"Upload it first and pass its file ID: -MaskFileId (Add-ImageEditFile {file}).FileId";
            if (imageRole == "markup") return $"Upload it first and pass its file ID: -MarkupFileId (Add-ImageEditFile {file}).FileId";
            if (imageRole != "image") return $"Upload it first and pass its file ID: -ReferenceFileId (Add-ImageEditFile {file}).FileId";
            return $"Upload it first and edit it by file ID: Add-ImageEditFile {file} | Edit-Image -Prompt '...'";
        }

        private static string Why(ImageEditRequest request)
        {
            if (request.ForBatch) return "a batch line is a JSON body";
            if (request.AllImages.Any(i => i.Kind == ImageSourceKind.FileId)) return "an image is given by file ID";
            if (request.AllImages.Any(i => i.Kind == ImageSourceKind.Url)) return "an image is given by URL";
            var jsonOnly = request.Fields.Select(f => f.Key).FirstOrDefault(f => (f.Bodies & BodyForms.Multipart) == 0);
            return jsonOnly is null ? "JSON" : $"-{jsonOnly.ParameterName} is only in the JSON body";
        }
    }
}
