using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace ImageEdit.Requests
{
    /// <summary>
    /// One request to POST /images/edits, as the cmdlet resolved it: the images (files, URLs or file IDs), the prompt,
    /// and the request fields that were given (by wire name, in <see cref="RequestFields"/> order). A field not given is
    /// not sent. Whether it goes as multipart or JSON follows from what it holds.
    /// </summary>
    internal sealed class ImageEditRequest
    {
        private readonly Dictionary<string, object> _fields;

        /// <param name="images">The image to edit first, then the reference images.</param>
        /// <param name="prompt">The text of the edit.</param>
        /// <param name="mask">The mask, if any.</param>
        /// <param name="fields">Field values by wire name: strings for text and choices, ints for numbers; null values are left out.</param>
        /// <param name="stream">True to ask for server-sent events.</param>
        /// <param name="forBatch">True for a line of a Batch API job: always JSON, its local files uploaded and named by file ID.</param>
        /// <param name="markup">The markup image (gpt-image-2.6), if any.</param>
        public ImageEditRequest(IReadOnlyList<ImageSource> images, string prompt, ImageSource? mask = null, IEnumerable<KeyValuePair<string, object?>>? fields = null,
            bool stream = false, bool forBatch = false, ImageSource? markup = null)
        {
            ForBatch = forBatch;
            Images = images;
            Prompt = prompt;
            Mask = mask;
            Markup = markup;
            Stream = stream;
            _fields = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var field in fields ?? Enumerable.Empty<KeyValuePair<string, object?>>())
            {
                if (field.Value != null)
                {
                    RequestFields.Wire(field.Key);
                    _fields[field.Key] = field.Value;
                }
            }
        }

        /// <summary>A request of local files (as most tests and the benchmark build them).</summary>
        public ImageEditRequest(IReadOnlyList<string> images, string prompt, string? mask = null, IEnumerable<KeyValuePair<string, object?>>? fields = null,
            bool stream = false)
            : this(images.Select(ImageSource.File).ToList(), prompt, mask is null ? null : ImageSource.File(mask), fields, stream)
        {
        }

        /// <summary>The image to edit first, then the reference images.</summary>
        public IReadOnlyList<ImageSource> Images { get; }
        public string Prompt { get; }
        public ImageSource? Mask { get; }

        /// <summary>The image of drawn annotations that guides the edit (gpt-image-2.6), if any.</summary>
        public ImageSource? Markup { get; }
        public bool Stream { get; }

        /// <summary>
        /// The images that go with the edited ones, each with its wire name (the multipart part and the JSON member):
        /// the mask, then the markup. Encoders, the fingerprint, the run record and the batch planner read them from here.
        /// </summary>
        public IEnumerable<(string WireName, ImageSource Source)> Attachments
        {
            get
            {
                if (Mask != null) yield return ("mask", Mask);
                if (Markup != null) yield return ("markup", Markup);
            }
        }

        /// <summary>Every image the request names: the edited one, the references, then the attachments.</summary>
        public IEnumerable<ImageSource> AllImages => Images.Concat(Attachments.Select(a => a.Source));

        /// <summary>Every image with its role as the run record names it: image, reference, mask, markup.</summary>
        public IEnumerable<(string Role, ImageSource Source)> ImagesWithRoles =>
            Images.Select((image, i) => (i == 0 ? "image" : "reference", image)).Concat(Attachments);

        /// <summary>A line of a Batch API job: JSON, its local files to be uploaded and named by file ID.</summary>
        public bool ForBatch { get; }

        /// <summary>The image being edited.</summary>
        public ImageSource Source => Images[0];

        /// <summary>The input the request is about, as given (a path, a URL or a file ID; a data URL shortened): results and errors name it.</summary>
        public string SourcePath => Images[0].Identity;

        /// <summary>
        /// True when the request must go as JSON: an image, the mask or the markup is given by URL or file ID, or a field only the JSON
        /// body carries (moderation) is set. Local files then travel as data URLs.
        /// </summary>
        public bool UsesJson => ForBatch ||
            AllImages.Any(i => !i.IsFile) || Fields.Any(f => (f.Key.Bodies & BodyForms.Multipart) == 0);

        /// <summary>The fields given, by wire name, in the order they go on the wire.</summary>
        public IEnumerable<KeyValuePair<RequestField, object>> Fields =>
            RequestFields.All.Where(f => _fields.ContainsKey(f.WireName)).Select(f => new KeyValuePair<RequestField, object>(f, _fields[f.WireName]));

        /// <summary>The value given for a field (a string or an int), or null.</summary>
        public object? Value(string wireName) => _fields.TryGetValue(wireName, out var value) ? value : null;

        public string? Model => Value("model") as string;
        public int? Count => Value("n") as int?;
        public string? OutputFormat => Value("output_format") as string;
        public int? PartialImages => Value("partial_images") as int?;

        /// <summary>A field's value as the wire writes it: numbers in invariant culture.</summary>
        public static string WireText(object value) => value is int number ? number.ToString(CultureInfo.InvariantCulture) : (string)value;
    }
}
