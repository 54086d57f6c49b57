using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using ImageEdit.Http;
using ImageEdit.Images;

namespace ImageEdit.Requests
{
    /// <summary>
    /// Lays a request out as the endpoint's JSON body (EditImageBodyJsonParam): <c>images</c>, <c>mask</c> and <c>markup</c> as image
    /// references (<c>image_url</c> or <c>file_id</c>), then prompt, the given fields and stream. A local file becomes a
    /// data URL whose base64 is encoded from disk while the body is sent.
    /// </summary>
    internal static class JsonEditEncoder
    {
        /// <summary>The longest image_url the API takes, in characters.</summary>
        public const long MaxImageUrlLength = 20_971_520;

        public static StreamedJsonBody Build(ImageEditRequest request, CancellationToken cancellation, Action<long>? bytesSent = null)
        {
            var body = new StreamedJsonBody(cancellation, bytesSent);
            body.AddLiteral(Utf8("{\"images\":["));
            for (int i = 0; i < request.Images.Count; i++)
            {
                if (i > 0) body.AddLiteral(Utf8(","));
                AddReference(body, request.Images[i]);
            }
            body.AddLiteral(Utf8("]"));
            foreach (var (wireName, attachment) in request.Attachments)
            {
                body.AddLiteral(Utf8(",\"" + wireName + "\":"));
                AddReference(body, attachment);
            }
            body.AddLiteral(RemainingMembers(request));
            return body;
        }

        /// <summary>The characters a local file takes as a data URL.</summary>
        public static long DataUrlLength(ImageSource file, long length) => DataUrlPrefix(file).Length + StreamedJsonBody.Base64Length(length);

        private static void AddReference(StreamedJsonBody body, ImageSource image)
        {
            if (image.IsFile)
            {
                body.AddLiteral(Utf8("{\"image_url\":\"" + DataUrlPrefix(image)));
                body.AddBase64File(image.Value, image.Info?.Length ?? FileTarget.Length(image.Value), MultipartEditEncoder.BodyCheck(image));
                body.AddLiteral(Utf8("\"}"));
                return;
            }
            body.AddLiteral(Object(writer => writer.WriteString(image.Kind == ImageSourceKind.FileId ? "file_id" : "image_url", image.Value)));
        }

        private static string DataUrlPrefix(ImageSource file) => "data:" + MultipartEditEncoder.ContentType(file) + ";base64,";

        /// <summary>",prompt:...,fields...,stream:true}": the rest of the object after the images and mask.</summary>
        private static byte[] RemainingMembers(ImageEditRequest request)
        {
            byte[] members = Object(writer =>
            {
                writer.WriteString("prompt", request.Prompt);
                foreach (var field in request.Fields)
                {
                    if (field.Value is int number)
                    {
                        writer.WriteNumber(field.Key.WireName, number);
                    }
                    else
                    {
                        writer.WriteString(field.Key.WireName, (string)field.Value);
                    }
                }
                if (request.Stream)
                {
                    writer.WriteBoolean("stream", true);
                }
            });
            // The members of an object written on its own: its opening brace becomes the comma after the images.
            members[0] = (byte)',';
            return members;
        }

        private static byte[] Object(Action<Utf8JsonWriter> writeMembers)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writeMembers(writer);
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
    }
}
