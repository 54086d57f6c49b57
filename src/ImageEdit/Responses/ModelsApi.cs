using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;

namespace ImageEdit.Responses
{
    /// <summary>The Models API: the image models the key can use.</summary>
    internal static class ModelsApi
    {
        /// <param name="optional">Read for knowledge the edits do not wait for (shutdown dates): see <see cref="ApiCall.Optional"/>.</param>
        public static async Task<ModelListDto> ListAsync(ApiConnection connection, ILog log, CancellationToken cancellation, bool optional = false)
        {
            var client = new ApiClient(connection, log);
            return await client.SendAsync(new ApiCall(HttpMethod.Get, connection.ModelsUri(), "the model list") { Optional = optional },
                (response, attempt) => JsonAnswer.ReadAsync<ModelListDto>(response, attempt), cancellation).ConfigureAwait(false);
        }
    }
}
