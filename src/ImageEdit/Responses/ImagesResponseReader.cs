using System;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

using ImageEdit.Http;

namespace ImageEdit.Responses
{
    /// <summary>
    /// Reads a 2xx answer to a non-streamed edit as it arrives. Anything that is not an ImagesResponse with images (HTML
    /// from a proxy, truncated or invalid JSON, no data) becomes an <see cref="ApiException"/> naming the status, the
    /// request id and an excerpt of the body.
    /// </summary>
    internal static class ImagesResponseReader
    {
        /// <param name="response">A 2xx answer.</param>
        /// <param name="openImage">Where to decode each image (see <see cref="ImagePayloadParser"/>); null keeps base64 strings.</param>
        /// <param name="cancellation">Fires on Ctrl+C or when the try times out.</param>
        public static async Task<ParsedPayload> ReadAsync(HttpResponseMessage response, Func<int, IImageDestination>? openImage, CancellationToken cancellation)
        {
            string? requestId = ApiClient.RequestId(response);
            string? contentType = response.Content.Headers.ContentType?.MediaType;
            if (contentType is null || !contentType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            {
                byte[] start = await ApiClient.ReadAtMostAsync(response, 4096, cancellation).ConfigureAwait(false);
                throw Unusable(response, requestId, start, "an answer that is not JSON");
            }

            var parser = new ImagePayloadParser(openImage);
            try
            {
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                await parser.ReadAsync(stream, cancellation).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                parser.Dispose();
                throw Unusable(response, requestId, parser.Excerpt, $"JSON it could not read ({ex.Message.Split('.')[0]})");
            }
            catch
            {
                parser.Dispose();
                throw;
            }

            var result = parser.Result;
            if (result.Images.Count == 0 || !result.Images.TrueForAll(i => i.HasImage))
            {
                parser.Dispose();
                throw Unusable(response, requestId, parser.Excerpt, result.Images.Count == 0 ? "an answer without images" : "an image entry with neither b64_json nor url");
            }
            return result;
        }

        private static ApiException Unusable(HttpResponseMessage response, string? requestId, byte[] body, string what) =>
            new ApiException(response.StatusCode,
                $"The API answered {(int)response.StatusCode} with {what}{ApiErrorParser.DescribeBody(body, response.Content.Headers.ContentType?.ToString())}",
                null, null, null, requestId);
    }
}
