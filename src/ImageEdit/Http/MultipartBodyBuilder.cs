using System;
using System.IO;
using System.Threading;
using ImageEdit.Images;
using ImageEdit.Models;

namespace ImageEdit.Http
{
    /// <summary>Lays a request out as the official SDKs do: the text fields, then <c>image</c> or each <c>image[]</c>, then <c>mask</c>.</summary>
    internal static class MultipartBodyBuilder
    {
        public static MultipartFormBody Build(ImageEditRequest request, CancellationToken cancellation, Action<long>? bytesSent = null)
        {
            var body = new MultipartFormBody(cancellation, bytesSent);
            foreach (var field in request.TextFields())
            {
                body.AddText(field.Key, field.Value);
            }
            foreach (var image in request.Images)
            {
                body.AddFile(request.ImageFieldName, image, SniffContentType(image));
            }
            if (request.Mask != null)
            {
                body.AddFile("mask", request.Mask, SniffContentType(request.Mask));
            }
            return body;
        }

        /// <summary>The Content-Type of a file's bytes, whatever its extension says.</summary>
        public static string SniffContentType(string path)
        {
            var header = new byte[12];
            int count;
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 16))
            {
                count = stream.Read(header, 0, header.Length);
            }
            return ImageFormats.ContentType(ImageFormats.FromMagic(header, count));
        }
    }
}
