using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>The small JSON answers of the Files, Batches and Models APIs.</summary>
    internal static class JsonAnswer
    {
        /// <summary>Reads a small JSON answer; anything that is not the expected object is an ApiException with an excerpt.</summary>
        public static async Task<T> ReadAsync<T>(HttpResponseMessage response, TryContext attempt) where T : class
        {
            byte[] body = await ApiClient.ReadAtMostAsync(response, 8 * 1024 * 1024, attempt.Token).ConfigureAwait(false);
            try
            {
                return JsonSerializer.Deserialize<T>(body) ?? throw new JsonException("it is null");
            }
            catch (JsonException ex)
            {
                throw new ApiException(response.StatusCode, $"The answer could not be read ({ex.Message.Split('.')[0]})" +
                    ApiErrorParser.DescribeBody(body, response.Content.Headers.ContentType?.MediaType), null, null, null, ApiClient.RequestId(response));
            }
        }
    }
}
