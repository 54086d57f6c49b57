using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ImageEdit.Images;

namespace ImageEdit.Requests
{
    /// <summary>
    /// What makes two requests the same request, as SHA-256 keys over a canonical text: the endpoint, streaming or not,
    /// the prompt, every field, and each image and the mask. The full key names local files by the SHA-256 of their
    /// bytes; the quick key by their length alone, so that a record can be found without reading a file, and the bytes
    /// are hashed only to confirm a likely match (a touched, renamed or copied file with the same bytes still matches).
    /// </summary>
    internal static class RequestFingerprint
    {
        /// <param name="request">The request.</param>
        /// <param name="endpoint">Where it goes (the edits address): another endpoint is another request.</param>
        /// <param name="fileSha256">The SHA-256 (lowercase hex) of a local file's bytes, by path.</param>
        public static string Full(ImageEditRequest request, string endpoint, Func<string, string> fileSha256) =>
            Key(request, endpoint, file => "sha256:" + fileSha256(file.Value));

        public static string Quick(ImageEditRequest request, string endpoint) =>
            Key(request, endpoint, file => "length:" + FileTarget.Length(file.Value).ToString(CultureInfo.InvariantCulture));

        private static string Key(ImageEditRequest request, string endpoint, Func<ImageSource, string> describeFile)
        {
            var text = new StringBuilder();
            void Add(string name, string? value) => text.Append(name).Append('=').Append(value?.Length ?? -1).Append(':').Append(value).Append('\n');
            Add("v", "1");
            Add("endpoint", endpoint);
            Add("stream", request.Stream ? "true" : "false");
            Add("prompt", request.Prompt);
            foreach (var field in request.Fields)
            {
                Add("field." + field.Key.WireName, ImageEditRequest.WireText(field.Value));
            }
            for (int i = 0; i < request.Images.Count; i++)
            {
                Add("image." + i, Describe(request.Images[i], describeFile));
            }
            foreach (var (wireName, attachment) in request.Attachments)
            {
                Add(wireName, Describe(attachment, describeFile));
            }
            using var sha = SHA256.Create();
            return Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(text.ToString())));
        }

        private static string Describe(ImageSource source, Func<ImageSource, string> describeFile) => source.Kind switch
        {
            ImageSourceKind.File => describeFile(source),
            ImageSourceKind.FileId => "file_id:" + source.Value,
            _ => "image_url:" + source.Value,
        };

        /// <summary>The SHA-256 (lowercase hex) of a file's bytes, read for it.</summary>
        public static string HashFile(string path)
        {
            using var sha = SHA256.Create();
            using var stream = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Read, System.IO.FileShare.Read, 128 * 1024, System.IO.FileOptions.SequentialScan);
            return Hex(sha.ComputeHash(stream));
        }

        public static string Hex(byte[] bytes) => BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant();
    }
}
