using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Requests;
using ImageEdit.Responses;
using ImageEdit.Rules;
using ImageEdit.Pipeline;

namespace ImageEdit.Commands
{
    /// <summary>
    /// When the module is imported, a background thread builds what every first edit needs and compiles its code: the
    /// request field descriptions (read from the cmdlets' attributes), the rules table, the checks, the HTTP client, the
    /// PNG checks (and the native CRC-32 they load), the HTTP core, the connection pool and the answer parser, each on a
    /// tiny in-memory example. The first command after Import-Module then finds them ready instead of doing it all on the
    /// pipeline thread (measured: the first request reaches the server about 35 ms sooner, 85 ms after Import-Module
    /// instead of 120, medians of 15). It sends nothing, opens no file or socket and writes nothing; it runs only where a
    /// second processor can take it, and $env:IMAGEEDIT_NO_WARMUP = '1' turns it off.
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

        /// <summary>The warm-up of the latest import, and what failed in it; null when none was started.</summary>
        internal static Task<IReadOnlyList<Exception>>? Latest { get; private set; }

        /// <summary>1 once a warm-up has been started in this process.</summary>
        private static int _started;

        /// <summary>
        /// Called by PowerShell each time the module is imported: in every runspace (each ForEach-Object -Parallel
        /// script block, each thread job) and again with -Force. What the warm-up prepares is shared by the whole
        /// process, so only the first import starts it.
        /// </summary>
        public void OnImport()
        {
            if (Environment.ProcessorCount < 2 || Environment.GetEnvironmentVariable("IMAGEEDIT_NO_WARMUP") == "1"
                || Interlocked.Exchange(ref _started, 1) == 1)
            {
                return;
            }
            var done = new TaskCompletionSource<IReadOnlyList<Exception>>();
            Latest = done.Task;
            new Thread(() =>
            {
                // An exception that escaped this thread would end the whole PowerShell process, so nothing may.
                try
                {
                    done.SetResult(Run());
                }
                catch (Exception ex)
                {
                    done.TrySetResult(new[] { ex });
                }
            }) { IsBackground = true, Name = "ImageEdit warm-up" }.Start();
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
            Step(ValidateAnEdit);
            Step(SendThroughTheCore);
            Step(SendThroughTheConnectionPool);
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

        /// <summary>
        /// One request through the same kind of handler the shared client uses (SocketsHttpHandler: its connection pool,
        /// how it writes a request and reads an answer), over an in-memory connection instead of a socket, given by its
        /// ConnectCallback (found by reflection: the module is built against netstandard2.0, which lacks it).
        /// </summary>
        private static object SendThroughTheConnectionPool()
        {
            var handlerType = Type.GetType("System.Net.Http.SocketsHttpHandler, System.Net.Http", throwOnError: true)!;
            var connectCallback = handlerType.GetProperty("ConnectCallback")!;
            var contextType = connectCallback.PropertyType.GetGenericArguments()[0];
            var connect = Delegate.CreateDelegate(connectCallback.PropertyType,
                typeof(ImportWarmUp).GetMethod(nameof(ConnectInMemory), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(contextType));
            using var handler = (HttpMessageHandler)Activator.CreateInstance(handlerType)!;
            connectCallback.SetValue(handler, connect);
            // No proxy: asking for one would read the process-wide proxy settings now, at Import-Module, and fix them for
            // every later request in the session (Invoke-RestMethod's too), ignoring an $env:HTTPS_PROXY set after it.
            handlerType.GetProperty("UseProxy")!.SetValue(handler, false);
            handlerType.GetProperty("AllowAutoRedirect")!.SetValue(handler, false);
            handlerType.GetProperty("UseCookies")!.SetValue(handler, false);
            using var http = new HttpClient(handler);
            var body = new MultipartFormBody();
            body.AddText("prompt", "warm-up");
            using var request = new HttpRequestMessage(HttpMethod.Post, "http://warm-up.invalid/v1/images/edits") { Content = body };
            using var response = http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            using var answer = ImagesResponseReader.ReadAsync(response, null, CancellationToken.None).GetAwaiter().GetResult();
            return answer.Images.Count;
        }

        private static ValueTask<Stream> ConnectInMemory<TContext>(TContext context, CancellationToken cancellation) =>
            new ValueTask<Stream>(new InMemoryConnection(Encoding.ASCII.GetBytes(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + AnswerJson.Length + "\r\n\r\n" + AnswerJson)));

        /// <summary>What both in-memory answers return: an ImagesResponse with the tiny PNG.</summary>
        private static readonly string AnswerJson = "{\"created\":1,\"data\":[{\"b64_json\":\"" + Convert.ToBase64String(TinyPng) + "\"}],\"usage\":{\"total_tokens\":1}}";

        /// <summary>A connection that swallows the request and then reads back one canned answer.</summary>
        private sealed class InMemoryConnection : Stream
        {
            private readonly MemoryStream _answer;

            public InMemoryConnection(byte[] answer) => _answer = new MemoryStream(answer, writable: false);

            public override bool CanRead => true;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => throw new NotSupportedException();
            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
            public override void Flush() { }
            public override int Read(byte[] buffer, int offset, int count) => _answer.Read(buffer, offset, count);
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
            public override void Write(byte[] buffer, int offset, int count) { }
        }

        /// <summary>The checks an edit goes through before it is sent, on a request for an image by URL (no file to read).</summary>
        private static object ValidateAnEdit()
        {
            var request = new ImageEditRequest(new[] { ImageSource.Url("https://warm-up.invalid/image.png") }, "warm-up",
                fields: new[] { new KeyValuePair<string, object?>("size", "1024x1024"), new KeyValuePair<string, object?>("quality", "low") });
            var result = new RequestValidator(new ImageProbeCache()).Validate(request);
            return result.Notes.Count;
        }

        private sealed class InMemoryAnswer : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (request.Content != null)
                {
                    await request.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
                }
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(AnswerJson)), RequestMessage = request };
                response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return response;
            }
        }
    }
}
