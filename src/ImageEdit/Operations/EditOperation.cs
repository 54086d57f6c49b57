using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Http.Wire;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Operations
{
    /// <summary>One Edit-Image request: send, read the ImagesResponse, save the images when asked, write one result.</summary>
    internal sealed class EditOperation
    {
        private readonly ApiConnection _connection;
        private readonly ImageFileWriter? _writer;

        public EditOperation(ApiConnection connection, ImageFileWriter? writer)
        {
            _connection = connection;
            _writer = writer;
        }

        public async Task RunAsync(ImageEditRequest request, IOutputSink sink, CancellationToken cancellation)
        {
            var client = new ApiClient(_connection, sink, sink.WriteProgress);
            string? requestId = null;
            int count = request.Count ?? 1;
            Func<int, PendingImageFile>? openImage = _writer is null ? null : index => _writer.Begin(OutputNames.Edited(request.SourcePath, index, count));
            using var answer = await client.SendAsync(request, async (response, attempt) =>
            {
                requestId = ApiClient.RequestId(response);
                return await ImagesResponseReader.ReadAsync(response, openImage, attempt.Token).ConfigureAwait(false);
            }, cancellation).ConfigureAwait(false);

            var data = new List<ImageEditData>(answer.Images.Count);
            var saved = new List<string>();
            try
            {
                foreach (var image in answer.Images)
                {
                    string? path = null;
                    if (image.File != null)
                    {
                        path = image.File.Commit();
                    }
                    else if (_writer != null && image.Url != null)
                    {
                        path = await DownloadAsync(image.Url, OutputNames.Edited(request.SourcePath, image.Index, answer.Images.Count), cancellation).ConfigureAwait(false);
                    }
                    if (path != null)
                    {
                        saved.Add(path);
                        sink.Verbose($"Saved {path}");
                    }
                    data.Add(new ImageEditData(image.Index, image.B64Json, image.Url, image.RevisedPrompt, path, b64JsonFromSavedFile: image.File != null));
                }
            }
            catch
            {
                // All of a request's images, or none: a failed or cancelled request leaves no files.
                ImageFileWriter.Remove(saved);
                throw;
            }
            sink.WriteObject(new ImageEditResult(WireMapping.FromUnixTime(answer.Created), answer.Background, data, answer.OutputFormat,
                answer.Quality, answer.Size, WireMapping.ToUsage(answer.Usage), request.SourcePath, request.Model, requestId));
        }

        /// <summary>Saves a url result. (With a place to save, base64 results were already decoded into their files while the answer was read.)</summary>
        private async Task<string> DownloadAsync(string url, string baseName, CancellationToken cancellation)
        {
            // A url result is fetched with a bare request: the API key is never sent to the storage host.
            using var response = await ApiClient.SharedHttpClient.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"Downloading the image from {new Uri(url).GetLeftPart(UriPartial.Path)} failed: HTTP {(int)response.StatusCode} {response.StatusCode}.");
            }
            using var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            return await _writer!.SaveStreamAsync(body, baseName, cancellation).ConfigureAwait(false);
        }
    }
}
