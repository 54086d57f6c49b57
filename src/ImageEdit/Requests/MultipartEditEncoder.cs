using System;
using System.Threading;
using ImageEdit.Http;
using ImageEdit.Images;

namespace ImageEdit.Requests
{
    /// <summary>
    /// Lays a request of local files out as the official SDKs do: prompt, the given fields in catalog order (numbers in
    /// invariant culture), then <c>image</c> or each <c>image[]</c>, then <c>mask</c> and <c>markup</c>, each with the Content-Type of its bytes.
    /// </summary>
    internal static class MultipartEditEncoder
    {
        public static MultipartFormBody Build(ImageEditRequest request, CancellationToken cancellation, Action<long>? bytesSent = null)
        {
            var body = new MultipartFormBody(cancellation, bytesSent);
            body.AddText("prompt", request.Prompt);
            foreach (var field in request.Fields)
            {
                body.AddText(field.Key.WireName, ImageEditRequest.WireText(field.Value));
            }
            if (request.Stream)
            {
                body.AddText("stream", "true");
            }
            string imageField = request.Images.Count == 1 ? "image" : "image[]";
            foreach (var image in request.Images)
            {
                body.AddFile(imageField, image.Value, ContentType(image), image.Info?.Length ?? FileTarget.Length(image.Value), BodyCheck(image));
            }
            foreach (var (wireName, attachment) in request.Attachments)
            {
                body.AddFile(wireName, attachment.Value, ContentType(attachment), attachment.Info?.Length ?? FileTarget.Length(attachment.Value), BodyCheck(attachment));
            }
            return body;
        }

        /// <summary>A PNG's body (its image data's CRCs, its IEND) is checked while it is sent: the header probe read only its headers.</summary>
        public static Func<IBodyCheck>? BodyCheck(ImageSource file) =>
            file.Info?.Format == ImageFormat.Png ? () => new PngBodyCheck(file.Value) : (Func<IBodyCheck>?)null;

        /// <summary>The same check for a file known only by its path (an upload): a PNG by its first bytes.</summary>
        public static Func<IBodyCheck>? BodyCheckFor(string path) =>
            SniffContentType(path) == "image/png" ? () => new PngBodyCheck(path) : (Func<IBodyCheck>?)null;

        /// <summary>The Content-Type of a file's bytes, whatever its extension says: from its probe, else from its first bytes.</summary>
        public static string ContentType(ImageSource file) => file.Info?.ContentType ?? SniffContentType(file.Value);

        public static string SniffContentType(string path)
        {
            var header = new byte[12];
            int count;
            using (var stream = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Read, System.IO.FileShare.Read, 16))
            {
                count = stream.Read(header, 0, header.Length);
            }
            return ImageFormats.ContentType(ImageFormats.FromMagic(header, count));
        }
    }
}
