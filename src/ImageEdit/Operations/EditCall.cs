using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Rules;
using System.Net.Http;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Requests;

namespace ImageEdit.Operations
{
    /// <summary>Turns an edit request into the HTTP call that carries it (multipart, or JSON when it needs to be) and sends it.</summary>
    internal static class EditCall
    {
        /// <summary>Sends the request; an API error that names a model or a file ID gets advice about that (see <see cref="EditErrorAdvice"/>).</summary>
        /// <param name="client">The HTTP core.</param>
        /// <param name="request">The edit.</param>
        /// <param name="connection">Where it goes.</param>
        /// <param name="readAnswer">Reads a 2xx answer inside the try.</param>
        /// <param name="digests">Receives each local file's SHA-256 as the body sends it (for the run record).</param>
        /// <param name="cancellation">Ctrl+C.</param>
        public static async Task<T> SendAsync<T>(ApiClient client, ImageEditRequest request, ApiConnection connection,
            Func<HttpResponseMessage, TryContext, Task<T>> readAnswer, ConcurrentDictionary<string, FileDigest>? digests, CancellationToken cancellation)
        {
            try
            {
                return await client.SendAsync(For(request, connection, digests), readAnswer, cancellation).ConfigureAwait(false);
            }
            catch (ApiException error) when (EditErrorAdvice.For(error, request) is { } advice)
            {
                error.Advice = advice;
                throw;
            }
        }

        public static ApiCall For(ImageEditRequest request, ApiConnection connection, ConcurrentDictionary<string, FileDigest>? digests = null)
        {
            long uploadBytes = request.AllImages
                .Where(i => i.IsFile)
                .Sum(i => i.Info?.Length ?? FileTarget.Length(i.Value));
            string subject = request.Source.Display + (request.Images.Count > 1 ? $" and {request.Images.Count - 1} more" : "");
            bool json = request.UsesJson;
            return new ApiCall(HttpMethod.Post, connection.EditsUri(request.Model), subject,
                (token, bytesSent) =>
                {
                    Action<FileDigest>? fileSent = digests is null ? null : digest => digests[digest.Path] = digest;
                    if (json)
                    {
                        var body = JsonEditEncoder.Build(request, token, bytesSent);
                        body.FileSent = fileSent;
                        return body;
                    }
                    var form = MultipartEditEncoder.Build(request, token, bytesSent);
                    form.FileSent = fileSent;
                    return form;
                },
                uploadBytes) { Billed = true };
        }
    }
}
