using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Commands;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Requests;
using ImageEdit.Responses;
using ImageEdit.Rules;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// When the module is imported, a background thread builds what every first edit needs and compiles its code: the
    /// request field descriptions (read from the cmdlets' attributes), the rules table, the HTTP client, the PNG checks
    /// (and the native CRC-32 they load) and the answer parser, each on a tiny in-memory example. The first command after
    /// Import-Module then finds them ready instead of doing it on the pipeline thread (measured: about 20 ms of the
    /// first request's 110). It sends nothing, opens no file and writes nothing; it runs only where a second processor
    /// can take it, and $env:IMAGEEDIT_NO_WARMUP = '1' turns it off.
    /// </summary>
    public sealed class ImportWarmUp : IModuleAssemblyInitializer
    {
        /// <summary>A valid 1 x 1 RGBA PNG.</summary>
        private static readonly byte[] TinyPng =
        {
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01,
            0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0B, 0x49, 0x44, 0x41,
            0x54, 0x78, 0x9C, 0x63, 0x60, 0x00, 0x02, 0x00, 0x00, 0x05, 0x00, 0x01, 0x7A, 0x5E, 0xAB, 0x3F, 0x00, 0x00, 0x00, 0x00,
            0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        };

        /// <summary>Called by PowerShell when the module is imported.</summary>
        public void OnImport()
        {
            if (Environment.ProcessorCount < 2 || Environment.GetEnvironmentVariable("IMAGEEDIT_NO_WARMUP") == "1")
            {
                return;
            }
            new Thread(() => Run()) { IsBackground = true, Name = "ImageEdit warm-up" }.Start();
        }

        /// <summary>
        /// Each step on its own: one that fails leaves its work to the first command, as without the warm-up. Returns
        /// what failed (for the tests; nothing depends on the warm-up).
        /// </summary>
        internal static IReadOnlyList<Exception> Run()
        {
            var failures = new List<Exception>();
            void Step(Func<object?> work)
            {
                try
                {
                    work();
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
            }
            Step(() => RequestFields.Declared(typeof(EditImageCommand)));
            Step(() => RequestFields.Declared(typeof(GetImageEditStreamCommand)));
            Step(() => ModelCatalog.RulesFor(null));
            Step(() => ApiClient.SharedHttpClient);
            Step(ProbeAndCheckPng);
            Step(SendThroughTheCore);
            return failures;
        }

        private static object ProbeAndCheckPng()
        {
            var info = ImageProbe.Probe(new MemoryStream(TinyPng, writable: false), headersOnly: true);
            var check = new PngBodyCheck("warm-up.png");
            check.Append(TinyPng, 0, TinyPng.Length);
            check.Finish();
            // Long enough for the native CRC-32, so that its library is loaded here rather than by the first upload.
            Crc32.Update(Crc32.Seed, new byte[1024], 0, 1024);
            return info;
        }

        /// <summary>
        /// One multipart call through the HTTP core (retry loop, timeout, body, answer parser) to an in-memory handler
        /// that answers like the API: nothing leaves the process.
        /// </summary>
        private static object SendThroughTheCore()
        {
            var connection = new ApiConnection(new Uri("https://warm-up.invalid/v1"), apiKey: null);
            using var http = new HttpClient(new InMemoryAnswer());
            var client = new ApiClient(connection, new SilentLog(), progress: null, http: http);
            var call = new ApiCall(HttpMethod.Post, connection.EditsUri(null), "warm-up", (token, bytesSent) =>
            {
                var body = new MultipartFormBody(token, bytesSent);
                body.AddText("prompt", "warm-up");
                return body;
            });
            using var answer = client.SendAsync(call, (response, attempt) => ImagesResponseReader.ReadAsync(response, null, attempt.Token), CancellationToken.None)
                .GetAwaiter().GetResult();
            return answer.Images.Count;
        }

        private sealed class InMemoryAnswer : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Content != null)
                {
                    await request.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
                }
                string json = "{\"created\":1,\"data\":[{\"b64_json\":\"" + Convert.ToBase64String(TinyPng) + "\"}],\"usage\":{\"total_tokens\":1}}";
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json)), RequestMessage = request };
                response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return response;
            }
        }

        private sealed class SilentLog : ILog
        {
            public void Verbose(string message) { }
            public void Warning(string message) { }
            public void Debug(string message) { }
        }
    }
}
