using System;
using System.Collections.Concurrent;
using System.IO;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Responses;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;
using ImageEdit.Requests;

namespace ImageEdit.Operations
{
    /// <summary>One Edit-Image request: send, read the ImagesResponse, save the images when asked, write one result.</summary>
    internal sealed class EditOperation
    {
        private readonly ApiConnection _connection;
        private readonly EditContext _context;
        private readonly ImageFileWriter? _writer;

        public EditOperation(ApiConnection connection, EditContext context)
        {
            _connection = connection;
            _context = context;
            _writer = context.Writer;
        }

        public async Task RunAsync(ImageEditRequest request, IOutputSink sink, CancellationToken cancellation)
        {
            var client = new ApiClient(_connection, sink, new UploadProgress(sink.WriteProgress, sink.BatchActivityId));
            string? requestId = null;
            int attempts = 1;
            int count = request.Count ?? 1;
            Func<int, PendingImageFile>? openImage = _writer is null ? null : index => _writer.Begin(OutputNames.Edited(request.Source.Stem, index, count));
            // The sources' SHA-256 is computed while they are sent only when a run record will keep it.
            var digests = _context.Record is null ? null : new ConcurrentDictionary<string, FileDigest>(StringComparer.Ordinal);
            Responses.ParsedPayload sent;
            try
            {
                sent = await EditCall.SendAsync(client, request, _connection, async (response, attempt) =>
                {
                    requestId = ApiClient.RequestId(response);
                    attempts = attempt.Number;
                    return await ImagesResponseReader.ReadAsync(response, openImage, attempt.Token).ConfigureAwait(false);
                }, digests, cancellation).ConfigureAwait(false);
            }
            finally
            {
                // Counted whether or not a try finally succeeded: each lost answer may have been billed.
                _context.Tally.AddSentAgainAfterSent(client.SentAgainAfterLostAnswer);
            }
            using var answer = sent;
            decimal? cost = _context.Prices.Cost(request.Model, answer.Usage);

            var data = new List<ImageEditData>(answer.Images.Count);
            var saved = new List<string>();
            var recorded = new List<RecordKeeper.Saved>();
            var failures = new List<Exception>();
            try
            {
                foreach (var image in answer.Images)
                {
                    SavedImage? file = null;
                    if (image.File != null)
                    {
                        file = image.PendingFile()!.Commit();
                    }
                    else if (_writer != null && image.Url != null)
                    {
                        file = await DownloadAsync(image.Url, OutputNames.Edited(request.Source.Stem, image.Index, answer.Images.Count), failures, cancellation).ConfigureAwait(false);
                    }
                    if (file?.Path != null)
                    {
                        saved.Add(file.Path);
                        recorded.Add(new RecordKeeper.Saved(file, "edited", image.Index));
                        sink.Verbose($"Saved {file.Path}");
                    }
                    else if (file?.Failure != null)
                    {
                        failures.Add(file.Failure);
                    }
                    data.Add(new ImageEditData(image.Index, image.B64Json, image.Url, image.RevisedPrompt, file));
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped (Ctrl+C) while saving: a cancelled request leaves no files.
                ImageFileWriter.Remove(saved);
                throw;
            }
            // Only a request whose images are all saved goes on record: one with an image kept only in its result (or not
            // downloaded) is sent again by -Resume, as its error says, instead of being resumed without that image.
            if (failures.Count == 0)
            {
                KeepRecord(request, digests ?? new ConcurrentDictionary<string, FileDigest>(), recorded, requestId, answer, failures, cost, attempts);
            }
            _context.Tally.AddEdited(saved.Count, answer.Usage, cost);
            // The paid answer always reaches the pipeline; an image that could not be saved travels in it, beside its error.
            sink.WriteObject(new ImageEditResult(WireMapping.FromUnixTime(answer.Created), answer.Background, data, answer.OutputFormat,
                answer.Quality, answer.Size, WireMapping.ToUsage(answer.Usage), request.SourcePath, request.Model, requestId) { Cost = cost, Attempts = attempts });
            foreach (var failure in failures)
            {
                sink.WriteError(ErrorRecordFactory.Create(failure, request.SourcePath));
            }
        }

        /// <summary>Adds the request's line to the run record; a record that cannot be written is an error beside the result, never a lost result.</summary>
        private void KeepRecord(ImageEditRequest request, IReadOnlyDictionary<string, FileDigest> digests, List<RecordKeeper.Saved> recorded, string? requestId,
            Responses.ParsedPayload answer, List<Exception> failures, decimal? cost, int attempts)
        {
            try
            {
                RecordKeeper.Keep(_context, request, _connection, digests, recorded, requestId, answer, cost, attempts);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                failures.Add(RecordKeeper.NotRecorded(_context, ex));
            }
        }

        /// <summary>Saves a url result (base64 results were already decoded into their files while the answer was read); a failed download leaves the url in the result.</summary>
        private async Task<SavedImage?> DownloadAsync(string url, OutputName name, List<Exception> failures, CancellationToken cancellation)
        {
            try
            {
                // A url result is fetched with a bare request: the API key is never sent to the storage host.
                using var response = await ApiClient.SharedHttpClient.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"Downloading the image from {new Uri(url).GetLeftPart(UriPartial.Path)} failed: HTTP {(int)response.StatusCode} {response.StatusCode}. Its url is in the result, valid for 60 minutes.");
                }
                using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                return await _writer!.SaveStreamAsync(body, name, cancellation).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                failures.Add(ex);
                return null;
            }
        }
    }
}
