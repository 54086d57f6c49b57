using System;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http.Wire;

namespace ImageEdit.Http
{
    /// <summary>
    /// Reads a 2xx answer to a non-streamed edit. Anything that is not an ImagesResponse with images (HTML from a
    /// proxy, truncated or invalid JSON, no data) becomes an <see cref="ApiException"/> naming the status, the
    /// request id and an excerpt of the body.
    /// </summary>
    internal static class ImagesResponseReader
    {
        public static async Task<ImagesResponseDto> ReadAsync(HttpResponseMessage response, CancellationToken cancellation)
        {
            string? requestId = ApiClient.RequestId(response);
            string? contentType = response.Content.Headers.ContentType?.MediaType;
            byte[] body = await ReadBodyAsync(response, cancellation).ConfigureAwait(false);
            if (contentType is null || !contentType.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            {
                throw Unusable(response, requestId, body, "an answer that is not JSON");
            }
            ImagesResponseDto? dto;
            try
            {
                dto = JsonSerializer.Deserialize<ImagesResponseDto>(body);
            }
            catch (JsonException ex)
            {
                throw Unusable(response, requestId, body, $"JSON it could not read ({ex.Message.Split('.')[0]})");
            }
            if (dto?.Data is null || dto.Data.Count == 0)
            {
                throw Unusable(response, requestId, body, "an answer without images");
            }
            if (dto.Data.Exists(d => d is null || (d.B64Json is null && d.Url is null)))
            {
                throw Unusable(response, requestId, body, "an image entry with neither b64_json nor url");
            }
            return dto;
        }

        private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellation)
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            long? declared = response.Content.Headers.ContentLength;
            using var buffer = declared.HasValue && declared.Value < int.MaxValue ? new MemoryStream((int)declared.Value) : new MemoryStream();
            await stream.CopyToAsync(buffer, 81920, cancellation).ConfigureAwait(false);
            if (declared.HasValue && buffer.Length != declared.Value)
            {
                throw new IOException($"The answer was cut short: {buffer.Length} of {declared.Value} bytes arrived.");
            }
            return buffer.ToArray();
        }

        private static ApiException Unusable(HttpResponseMessage response, string? requestId, byte[] body, string what) =>
            new ApiException(response.StatusCode,
                $"The API answered {(int)response.StatusCode} with {what}{ApiErrorParser.DescribeBody(body, response.Content.Headers.ContentType?.ToString())}",
                null, null, null, requestId);
    }
}
