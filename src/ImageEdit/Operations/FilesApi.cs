using System;
using System.Collections.Generic;
using System.Linq;
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
    /// <summary>The Files API calls: upload a file (streamed from disk, never stored twice), list, read and delete files.</summary>
    internal static class FilesApi
    {
        /// <summary>The Files API's bounds for expires_after.seconds: one hour to 30 days.</summary>
        public static readonly TimeSpan MinimumExpiry = TimeSpan.FromHours(1);
        public static readonly TimeSpan MaximumExpiry = TimeSpan.FromDays(30);

        /// <summary>How far the API's clock may be behind ours when looking for a file an earlier try stored.</summary>
        private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(1);

        /// <summary>
        /// Uploads a file. An upload is not idempotent (a second try stores a second file), so after a try whose outcome is
        /// unknown, the files of this purpose are looked through first: one with this name and length, created since the
        /// first try began, is adopted (and any further such copy deleted); only when there is none is it sent again.
        /// </summary>
        /// <param name="expiresAfter">When the API deletes the file by itself, counted from its upload; null keeps it until deleted.</param>
        public static async Task<ImageEditFile> UploadAsync(ApiConnection connection, string path, string purpose, TimeSpan? expiresAfter, IOutputSink sink,
            CancellationToken cancellation)
        {
            long length = FileTarget.Length(path);
            string name = Path.GetFileName(path);
            var call = new ApiCall(HttpMethod.Post, connection.FilesUri(), name, (token, bytesSent) =>
            {
                var body = new MultipartFormBody(token, bytesSent);
                body.AddText("purpose", purpose);
                if (expiresAfter is { } expiry)
                {
                    body.AddText("expires_after[anchor]", "created_at");
                    body.AddText("expires_after[seconds]", ((long)expiry.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                body.AddFile("file", path, Requests.MultipartEditEncoder.SniffContentType(path), length,
                    purpose == "batch" ? null : Requests.MultipartEditEncoder.BodyCheckFor(path));
                return body;
            }, length);
            var client = new ApiClient(connection, sink, new UploadProgress(sink.WriteProgress, sink.BatchActivityId));
            var since = DateTimeOffset.UtcNow;
            var file = await client.SendOnceAsync(call, (response, attempt) => JsonAnswer.ReadAsync<FileDto>(response, attempt),
                token => FindUploadAsync(connection, purpose, name, length, since, sink, token), cancellation).ConfigureAwait(false);
            return ToFile(file, path);
        }

        public static ImageEditFile ToFile(FileDto file, string? path) => new ImageEditFile(file.Id, file.Filename, file.Bytes, file.Purpose,
            DateTimeOffset.FromUnixTimeSeconds(file.CreatedAt), file.ExpiresAt is long expires ? DateTimeOffset.FromUnixTimeSeconds(expires) : (DateTimeOffset?)null, file.Status, path);

        /// <summary>
        /// The file an upload of <paramref name="name"/> (<paramref name="length"/> bytes, this purpose) made since
        /// <paramref name="since"/>, or null. When several are found, the first is taken; with <paramref name="deleteExtras"/>
        /// (tries of one upload in this process, so the copies are all its own) the others are deleted.
        /// </summary>
        public static async Task<FileDto?> FindUploadAsync(ApiConnection connection, string purpose, string name, long length, DateTimeOffset since, IOutputSink sink,
            CancellationToken cancellation, bool deleteExtras = true)
        {
            long from = (since - ClockSlack).ToUnixTimeSeconds();
            var found = (await ListSinceAsync(connection, purpose, from, sink, cancellation).ConfigureAwait(false))
                .Where(f => f.Filename == name && f.Bytes == length).OrderBy(f => f.CreatedAt).ToList();
            foreach (var extra in deleteExtras ? found.Skip(1) : Enumerable.Empty<FileDto>())
            {
                sink.Verbose($"{extra.Id} is a second copy of {name} left by a retried upload; deleting it.");
                await DeleteAsync(connection, extra.Id, sink, cancellation).ConfigureAwait(false);
            }
            return found.FirstOrDefault();
        }

        /// <summary>The files of a purpose created at or after <paramref name="fromUnixTime"/>, newest first, page by page.</summary>
        private static async Task<List<FileDto>> ListSinceAsync(ApiConnection connection, string purpose, long fromUnixTime, ILog log, CancellationToken cancellation)
        {
            var files = new List<FileDto>();
            var client = new ApiClient(connection, log);
            string? after = null;
            while (true)
            {
                string query = $"purpose={Uri.EscapeDataString(purpose)}&order=desc&limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
                var page = await client.SendAsync(new ApiCall(HttpMethod.Get, new Uri(connection.FilesUri() + "?" + query), $"the files of purpose {purpose}"),
                    (response, attempt) => JsonAnswer.ReadAsync<FileListDto>(response, attempt), cancellation).ConfigureAwait(false);
                foreach (var file in page.Data)
                {
                    if (file.CreatedAt < fromUnixTime)
                    {
                        return files;
                    }
                    files.Add(file);
                }
                if (!page.HasMore || page.Data.Count == 0)
                {
                    return files;
                }
                after = page.Data[page.Data.Count - 1].Id;
            }
        }

        /// <summary>Reads one file's object (to learn that it still exists).</summary>
        public static Task<FileDto> GetAsync(ApiConnection connection, string fileId, ILog log, CancellationToken cancellation) =>
            new ApiClient(connection, log).SendAsync(new ApiCall(HttpMethod.Get, connection.FilesUri(fileId), fileId), (response, attempt) => JsonAnswer.ReadAsync<FileDto>(response, attempt), cancellation);

        public static async Task DeleteAsync(ApiConnection connection, string fileId, IOutputSink sink, CancellationToken cancellation)
        {
            var client = new ApiClient(connection, sink);
            DeletedDto deleted;
            try
            {
                // A delete whose answer was lost may have been carried out: the retry would then get a 404 for a file that is
                // gone as asked. So before it is sent again, the file is looked up, and its absence is the delete's success.
                deleted = await client.SendOnceAsync(new ApiCall(HttpMethod.Delete, connection.FilesUri(fileId), fileId), (response, attempt) => JsonAnswer.ReadAsync<DeletedDto>(response, attempt),
                    async token => await IsGoneAsync(connection, fileId, sink, token).ConfigureAwait(false) ? new DeletedDto { Id = fileId, Deleted = true } : null,
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

        private static async Task<bool> IsGoneAsync(ApiConnection connection, string fileId, ILog log, CancellationToken cancellation)
        {
            try
            {
                await GetAsync(connection, fileId, log, cancellation).ConfigureAwait(false);
                return false;
            }
            catch (ApiException error) when ((int)error.StatusCode == 404)
            {
                return true;
            }
        }
    }
}
