using System.Collections.Generic;
using System.Globalization;

namespace ImageEdit.Models
{
    /// <summary>
    /// One request to POST /images/edits, as the cmdlet resolved it: full file paths and the fields that were given.
    /// A field left null is not sent.
    /// </summary>
    public sealed class ImageEditRequest
    {
        public ImageEditRequest(IReadOnlyList<string> images, string prompt, string? mask = null, string? model = null, int? count = null,
            string? size = null, string? quality = null, string? background = null, string? inputFidelity = null, string? outputFormat = null,
            int? outputCompression = null, string? responseFormat = null, string? user = null, bool stream = false, int? partialImages = null)
        {
            Images = images;
            Prompt = prompt;
            Mask = mask;
            Model = model;
            Count = count;
            Size = size;
            Quality = quality;
            Background = background;
            InputFidelity = inputFidelity;
            OutputFormat = outputFormat;
            OutputCompression = outputCompression;
            ResponseFormat = responseFormat;
            User = user;
            Stream = stream;
            PartialImages = partialImages;
        }

        /// <summary>The image to edit first, then the reference images.</summary>
        public IReadOnlyList<string> Images { get; }
        public string Prompt { get; }
        public string? Mask { get; }
        public string? Model { get; }
        public int? Count { get; }
        public string? Size { get; }
        public string? Quality { get; }
        public string? Background { get; }
        public string? InputFidelity { get; }
        public string? OutputFormat { get; }
        public int? OutputCompression { get; }
        public string? ResponseFormat { get; }
        public string? User { get; }
        public bool Stream { get; }
        public int? PartialImages { get; }

        /// <summary>The path the request is about: the image being edited.</summary>
        public string SourcePath => Images[0];

        /// <summary>The text fields of the multipart body, in wire names, numbers in invariant culture.</summary>
        public IEnumerable<KeyValuePair<string, string>> TextFields()
        {
            yield return Field("prompt", Prompt);
            if (Model != null) yield return Field("model", Model);
            if (Count != null) yield return Field("n", Count.Value.ToString(CultureInfo.InvariantCulture));
            if (Size != null) yield return Field("size", Size);
            if (Quality != null) yield return Field("quality", Quality);
            if (Background != null) yield return Field("background", Background);
            if (InputFidelity != null) yield return Field("input_fidelity", InputFidelity);
            if (OutputFormat != null) yield return Field("output_format", OutputFormat);
            if (OutputCompression != null) yield return Field("output_compression", OutputCompression.Value.ToString(CultureInfo.InvariantCulture));
            if (ResponseFormat != null) yield return Field("response_format", ResponseFormat);
            if (User != null) yield return Field("user", User);
            if (Stream) yield return Field("stream", "true");
            if (PartialImages != null) yield return Field("partial_images", PartialImages.Value.ToString(CultureInfo.InvariantCulture));
        }

        /// <summary>The multipart name of the image files: <c>image</c> for one, <c>image[]</c> for each of several.</summary>
        public string ImageFieldName => Images.Count == 1 ? "image" : "image[]";

        private static KeyValuePair<string, string> Field(string name, string value) => new KeyValuePair<string, string>(name, value);
    }
}
