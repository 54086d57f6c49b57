using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ImageEdit.Requests;

namespace ImageEdit.Models
{
    /// <summary>
    /// One request to POST /images/edits, as the cmdlet resolved it: full file paths, the prompt, and the request
    /// fields that were given (by wire name, in <see cref="RequestFields"/> order). A field not given is not sent.
    /// </summary>
    public sealed class ImageEditRequest
    {
        private readonly Dictionary<string, object> _fields;

        /// <param name="images">The image to edit first, then the reference images.</param>
        /// <param name="prompt">The text of the edit.</param>
        /// <param name="mask">The mask file, if any.</param>
        /// <param name="fields">Field values by wire name: strings for text and choices, ints for numbers; null values are left out.</param>
        /// <param name="stream">True to ask for server-sent events.</param>
        public ImageEditRequest(IReadOnlyList<string> images, string prompt, string? mask = null, IEnumerable<KeyValuePair<string, object?>>? fields = null, bool stream = false)
        {
            Images = images;
            Prompt = prompt;
            Mask = mask;
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

        /// <summary>The image to edit first, then the reference images.</summary>
        public IReadOnlyList<string> Images { get; }
        public string Prompt { get; }
        public string? Mask { get; }
        public bool Stream { get; }

        /// <summary>The fields given, by wire name, in the order they go on the wire.</summary>
        public IEnumerable<KeyValuePair<RequestField, object>> Fields =>
            RequestFields.All.Where(f => _fields.ContainsKey(f.WireName)).Select(f => new KeyValuePair<RequestField, object>(f, _fields[f.WireName]));

        /// <summary>The value given for a field (a string or an int), or null.</summary>
        public object? Value(string wireName) => _fields.TryGetValue(wireName, out var value) ? value : null;

        public string? Model => Value("model") as string;
        public int? Count => Value("n") as int?;
        public string? OutputFormat => Value("output_format") as string;
        public int? PartialImages => Value("partial_images") as int?;

        /// <summary>The path the request is about: the image being edited.</summary>
        public string SourcePath => Images[0];

        /// <summary>The text fields of the multipart body, in wire names, numbers in invariant culture.</summary>
        public IEnumerable<KeyValuePair<string, string>> TextFields()
        {
            yield return Field("prompt", Prompt);
            if (Stream) yield return Field("stream", "true");
            foreach (var field in Fields)
            {
                yield return Field(field.Key.WireName, field.Value is int number ? number.ToString(CultureInfo.InvariantCulture) : (string)field.Value);
            }
        }

        /// <summary>The multipart name of the image files: <c>image</c> for one, <c>image[]</c> for each of several.</summary>
        public string ImageFieldName => Images.Count == 1 ? "image" : "image[]";

        private static KeyValuePair<string, string> Field(string name, string value) => new KeyValuePair<string, string>(name, value);
    }
}
