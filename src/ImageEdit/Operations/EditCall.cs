using System;
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
        /// <summary>Sends the request; an API error about a model the rules table knows is retired names its replacement.</summary>
        public static async Task<T> SendAsync<T>(ApiClient client, ImageEditRequest request, ApiConnection connection,
            Func<HttpResponseMessage, TryContext, Task<T>> readAnswer, CancellationToken cancellation)
        {
            try
            {
                return await client.SendAsync(For(request, connection), readAnswer, cancellation).ConfigureAwait(false);
            }
            catch (ApiException error) when (ModelLifecycle.AdviceFor(error, request.Model, ModelLifecycle.Today()) is { } advice)
            {
                error.Advice = advice;
                throw;
            }
        }

        public static ApiCall For(ImageEditRequest request, ApiConnection connection)
        {
            long uploadBytes = request.Images.Concat(request.Mask is null ? Enumerable.Empty<ImageSource>() : new[] { request.Mask })
                .Where(i => i.IsFile)
                .Sum(i => i.Info?.Length ?? FileTarget.Length(i.Value));
            string subject = request.Source.Display + (request.Images.Count > 1 ? $" and {request.Images.Count - 1} more" : "");
            bool json = request.UsesJson;
            return new ApiCall(HttpMethod.Post, connection.EditsUri(request.Model), subject,
                (token, bytesSent) => json ? JsonEditEncoder.Build(request, token, bytesSent) : MultipartEditEncoder.Build(request, token, bytesSent),
                uploadBytes);
        }
    }
}
