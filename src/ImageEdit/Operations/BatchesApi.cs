using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Models;
using ImageEdit.Responses;

namespace ImageEdit.Operations
{
    /// <summary>The Batch API calls: create a batch of /v1/images/edits lines, read one, cancel one, and read a result file line by line.</summary>
    internal static class BatchesApi
    {
        public const string Endpoint = "/v1/images/edits";

        /// <summary>
        /// Creates a batch of one part of a plan; the plan and part go into its metadata. Creating is not idempotent, so
        /// after a try whose outcome is unknown the batch that carries this plan and part is looked for and adopted, and
        /// only when there is none is the call sent again.
        /// </summary>
        public static Task<BatchDto> CreateAsync(ApiConnection connection, string inputFileId, string plan, int part, ILog log, CancellationToken cancellation)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["input_file_id"] = inputFileId,
                ["endpoint"] = Endpoint,
                ["completion_window"] = "24h",
                ["metadata"] = new Dictionary<string, string>
                {
                    ["created_by"] = "ImageEdit",
                    ["plan"] = plan,
                    ["part"] = part.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            });
            var since = DateTimeOffset.UtcNow;
            return new ApiClient(connection, log).SendOnceAsync(new ApiCall(HttpMethod.Post, connection.BatchesUri(), "a new batch", (_, _) => Json(body)),
                (response, attempt) => JsonAnswer.ReadAsync<BatchDto>(response, attempt),
                token => FindAsync(connection, plan, part, since - TimeSpan.FromDays(1), log, token), cancellation);
        }

        /// <summary>
        /// The batch whose metadata names this plan and part (a batch created by an earlier try or run), looking through
        /// the batches created since <paramref name="since"/>, newest first, page by page; or null.
        /// </summary>
        public static async Task<BatchDto?> FindAsync(ApiConnection connection, string plan, int part, DateTimeOffset since, ILog log, CancellationToken cancellation)
        {
            var client = new ApiClient(connection, log);
            string partText = part.ToString(System.Globalization.CultureInfo.InvariantCulture);
            long from = since.ToUnixTimeSeconds();
            string? after = null;
            while (true)
            {
                var uri = new Uri(connection.BatchesUri() + "?limit=100" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)));
                var page = await client.SendAsync(new ApiCall(HttpMethod.Get, uri, $"the batches of plan {plan}"),
                    (response, attempt) => JsonAnswer.ReadAsync<BatchListDto>(response, attempt), cancellation).ConfigureAwait(false);
                foreach (var batch in page.Data)
                {
                    if (batch.Metadata != null && batch.Metadata.TryGetValue("plan", out var named) && named == plan
                        && (batch.Metadata.TryGetValue("part", out var namedPart) ? namedPart == partText : part == 0))
                    {
                        return batch;
                    }
                }
                if (!page.HasMore || page.Data.Count == 0 || page.Data.Min(b => b.CreatedAt) < from)
                {
                    return null;
                }
                after = page.Data[page.Data.Count - 1].Id;
            }
        }

        public static Task<BatchDto> GetAsync(ApiConnection connection, string id, ILog log, CancellationToken cancellation) =>
            AboutBatch(Send<BatchDto>(connection, new ApiCall(HttpMethod.Get, connection.BatchesUri(id), id), log, cancellation));

        public static Task<BatchDto> CancelAsync(ApiConnection connection, string id, ILog log, CancellationToken cancellation) =>
            AboutBatch(Send<BatchDto>(connection, new ApiCall(HttpMethod.Post, connection.BatchesUri(id, "cancel"), id, (_, _) => Json(Array.Empty<byte>())), log, cancellation));

        /// <summary>A 404 about a batch means its ID, not the base address or a model.</summary>
        private static async Task<BatchDto> AboutBatch(Task<BatchDto> call)
        {
            try
            {
                return await call.ConfigureAwait(false);
            }
            catch (ApiException error) when ((int)error.StatusCode == 404)
            {
                error.Advice = "Check the batch ID: Get-ImageEditBatch -OutputDirectory <folder> lists the batches started into that folder.";
                throw;
            }
        }

        /// <summary>Reads a file's content line by line as it arrives (an output file of thousands of images is never held whole).</summary>
        public static Task<bool> ReadLinesAsync(ApiConnection connection, string fileId, ILog log, Func<byte[], TryContext, Task> onLine, CancellationToken cancellation) =>
            new ApiClient(connection, log).SendAsync(new ApiCall(HttpMethod.Get, connection.FilesUri(fileId, "content"), fileId), async (response, attempt) =>
            {
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                var reader = new LineReader(stream);
                byte[]? line;
                while ((line = await reader.ReadLineAsync(attempt.Token).ConfigureAwait(false)) != null)
                {
                    attempt.DataArrived();
                    if (line.Length > 0)
                    {
                        await onLine(line, attempt).ConfigureAwait(false);
                    }
                }
                return true;
            }, cancellation);

        public static ImageEditBatch ToBatch(BatchDto dto, string? outputDirectory) => new ImageEditBatch(dto.Id, dto.Status,
            new ImageEditBatchCounts(dto.RequestCounts?.Total ?? 0, dto.RequestCounts?.Completed ?? 0, dto.RequestCounts?.Failed ?? 0),
            DateTimeOffset.FromUnixTimeSeconds(dto.CreatedAt), outputDirectory, dto.InputFileId, dto.OutputFileId, dto.ErrorFileId,
            dto.ExpiresAt is long expires ? DateTimeOffset.FromUnixTimeSeconds(expires) : (DateTimeOffset?)null,
            (dto.CompletedAt ?? dto.FailedAt ?? dto.ExpiredAt ?? dto.CancelledAt) is long finished ? DateTimeOffset.FromUnixTimeSeconds(finished) : (DateTimeOffset?)null,
            dto.Errors?.Data?.Select(e => (e.Line is int line ? $"line {line}: " : "") + $"{e.Message} ({e.Code})").ToArray() ?? Array.Empty<string>());

        private static HttpContent Json(byte[] body)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return content;
        }

        private static Task<T> Send<T>(ApiConnection connection, ApiCall call, ILog log, CancellationToken cancellation) where T : class =>
            new ApiClient(connection, log).SendAsync(call, (response, attempt) => JsonAnswer.ReadAsync<T>(response, attempt), cancellation);

        /// <summary>Splits a stream into lines of bytes (LF or CRLF), one line in memory at a time.</summary>
        private sealed class LineReader
        {
            private readonly Stream _stream;
            private readonly byte[] _buffer = new byte[64 * 1024];
            private int _start;
            private int _end;

            public LineReader(Stream stream)
            {
                _stream = stream;
            }

            public async Task<byte[]?> ReadLineAsync(CancellationToken cancellation)
            {
                var line = new MemoryStream();
                while (true)
                {
                    int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                    if (newline >= 0)
                    {
                        line.Write(_buffer, _start, newline - _start);
                        _start = newline + 1;
                        return TrimCarriageReturn(line.ToArray());
                    }
                    line.Write(_buffer, _start, _end - _start);
                    _start = 0;
                    _end = await _stream.ReadAsync(_buffer, 0, _buffer.Length, cancellation).ConfigureAwait(false);
                    if (_end == 0)
                    {
                        return line.Length == 0 ? null : TrimCarriageReturn(line.ToArray());
                    }
                }
            }

            private static byte[] TrimCarriageReturn(byte[] line) =>
                line.Length > 0 && line[line.Length - 1] == '\r' ? line.Take(line.Length - 1).ToArray() : line;
        }
    }
}
