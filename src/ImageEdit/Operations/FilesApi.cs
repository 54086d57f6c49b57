using System;
using System.IO;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Pipeline;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>The Files API calls: upload a file (streamed from disk), delete one.</summary>
    internal static class FilesApi
    {
        public static async Task<ImageEditFile> UploadAsync(ApiConnection connection, string path, string purpose, IOutputSink sink, CancellationToken cancellation)
        {
            long length = FileTarget.Length(path);
            string name = Path.GetFileName(path);
            var call = new ApiCall(HttpMethod.Post, connection.FilesUri(), name, (token, bytesSent) =>
            {
                var body = new MultipartFormBody(token, bytesSent);
                body.AddText("purpose", purpose);
                body.AddFile("file", path, Requests.MultipartEditEncoder.SniffContentType(path), length,
                    purpose == "batch" ? null : Requests.MultipartEditEncoder.BodyCheckFor(path));
                return body;
            }, length);
            var client = new ApiClient(connection, sink, new UploadProgress(sink.WriteProgress, sink.BatchActivityId));
            var file = await client.SendAsync(call, (response, attempt) => ReadJsonAsync<FileDto>(response, attempt), cancellation).ConfigureAwait(false);
            return new ImageEditFile(file.Id, file.Filename, file.Bytes, file.Purpose, DateTimeOffset.FromUnixTimeSeconds(file.CreatedAt),
                file.ExpiresAt is long expires ? DateTimeOffset.FromUnixTimeSeconds(expires) : (DateTimeOffset?)null, file.Status, path);
        }

        /// <summary>Reads one file's object (to learn that it still exists).</summary>
        public static Task<FileDto> GetAsync(ApiConnection connection, string fileId, ILog log, CancellationToken cancellation) =>
            new ApiClient(connection, log).SendAsync(new ApiCall(HttpMethod.Get, connection.FilesUri(fileId), fileId), (response, attempt) => ReadJsonAsync<FileDto>(response, attempt), cancellation);

        public static async Task DeleteAsync(ApiConnection connection, string fileId, IOutputSink sink, CancellationToken cancellation)
        {
            var client = new ApiClient(connection, sink);
            DeletedDto deleted;
            try
            {
                deleted = await client.SendAsync(new ApiCall(HttpMethod.Delete, connection.FilesUri(fileId), fileId), (response, attempt) => ReadJsonAsync<DeletedDto>(response, attempt),
                    cancellation).ConfigureAwait(false);
            }
            catch (ApiException error) when ((int)error.StatusCode == 404)
            {
                error.Advice = "Check the file ID: this key's organization and project have no such file (it may have been deleted already, or belong to another project).";
                throw;
            }
            if (!deleted.Deleted)
            {
                throw new ApiException(System.Net.HttpStatusCode.OK, $"The API did not delete {fileId}.", null, null, null, null);
            }
            sink.Verbose($"Deleted {fileId}");
        }

        /// <summary>Reads a small JSON answer; anything that is not the expected object is an ApiException with an excerpt.</summary>
        internal static async Task<T> ReadJsonAsync<T>(HttpResponseMessage response, TryContext attempt) where T : class
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

    /// <summary>The Models API: the image models the key can use.</summary>
    internal static class ModelsApi
    {
        public static async Task<ModelListDto> ListAsync(ApiConnection connection, ILog log, CancellationToken cancellation)
        {
            var client = new ApiClient(connection, log);
            return await client.SendAsync(new ApiCall(HttpMethod.Get, connection.ModelsUri(), "the model list"),
                (response, attempt) => FilesApi.ReadJsonAsync<ModelListDto>(response, attempt), cancellation).ConfigureAwait(false);
        }
    }
}
