using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace ImageEdit.TestServer;

/// <summary>
/// Walks a multipart/form-data request body part by part for the endpoints that take one (image edits, file uploads):
/// each text part is recorded as a RecordedField and handed to onField; each file part is read to its end through a
/// ByteDigest (its bytes copied where onFile asks) and handed, digested, to onFile, which records it as it sees fit.
/// </summary>
internal static class MultipartBody
{
    /// <summary>One file part, read: its name, its disposition, its length, SHA-256 and first bytes.</summary>
    internal sealed record FilePart(string Name, ContentDispositionHeaderValue Disposition, MultipartSection Section, long Length, string Sha256, byte[] Head);

    /// <summary>Reads the body; returns what is wrong with it (notMultipart when it is not multipart at all), or null.</summary>
    /// <param name="copyFor">For a file part's name, the stream to copy its bytes into, or null to keep only the digest.</param>
    public static async Task<string?> ReadAsync(HttpContext context, RecordedRequest recorded, string notMultipart, int headBytesKept,
        Func<string, Stream?> copyFor, Action<FilePart, Stream?> onFile, Action<string, string>? onField = null)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType) || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return notMultipart;
        }
        string boundary = HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value ?? "";
        var reader = new MultipartReader(boundary, context.Request.Body) { BodyLengthLimit = null };
        var buffer = new byte[256 * 1024];
        try
        {
            while (await reader.ReadNextSectionAsync(context.RequestAborted) is { } section)
            {
                var disposition = ContentDispositionHeaderValue.Parse(section.ContentDisposition);
                string name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? "";
                if (disposition.FileName.HasValue || disposition.FileNameStar.HasValue)
                {
                    var copy = copyFor(name);
                    using var digest = new ByteDigest(headBytesKept);
                    int read;
                    while ((read = await section.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                    {
                        digest.Append(buffer.AsSpan(0, read));
                        copy?.Write(buffer, 0, read);
                    }
                    var (sha, head) = digest.Finish();
                    onFile(new FilePart(name, disposition, section, digest.Length, sha, head), copy);
                }
                else
                {
                    using var text = new StreamReader(section.Body, Encoding.UTF8);
                    string value = await text.ReadToEndAsync(context.RequestAborted);
                    recorded.Fields.Add(new RecordedField(name, value));
                    onField?.Invoke(name, value);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException)
        {
            return "The multipart body is malformed: " + ex.Message;
        }
        return null;
    }
}
