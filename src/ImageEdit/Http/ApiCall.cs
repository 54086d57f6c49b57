using System;
using System.Net.Http;
using System.Threading;

namespace ImageEdit.Http
{
    /// <summary>
    /// One exchange the HTTP core carries out: the method and address, a body built anew for every try (so a retry
    /// reads the files again from disk), and what to call it in Verbose and upload progress.
    /// </summary>
    internal sealed class ApiCall
    {
        /// <param name="method">GET, POST or DELETE.</param>
        /// <param name="uri">The full address.</param>
        /// <param name="subject">What the call is about, for Verbose ("cat.png").</param>
        /// <param name="buildBody">Builds the body for one try, given the try's token and a callback for bytes sent; null for no body.</param>
        /// <param name="uploadBytes">How many file bytes the body carries, for upload progress.</param>
        public ApiCall(HttpMethod method, Uri uri, string subject, Func<CancellationToken, Action<long>?, HttpContent>? buildBody = null, long uploadBytes = 0)
        {
            Method = method;
            Uri = uri;
            Subject = subject;
            BuildBody = buildBody;
            UploadBytes = uploadBytes;
        }

        public HttpMethod Method { get; }
        public Uri Uri { get; }
        public string Subject { get; }
        public Func<CancellationToken, Action<long>?, HttpContent>? BuildBody { get; }
        public long UploadBytes { get; }

        /// <summary>
        /// Whether the API bills each request it carries out (an edit): sending it again after its answer was lost
        /// (a timeout or a reset once it was sent) may be paid twice, and is said as a warning, not only in Verbose.
        /// </summary>
        public bool Billed { get; set; }

        /// <summary>
        /// A lookup the work does not depend on (the model list read for shutdown dates): it neither waits for a pause a
        /// 429 asked for, nor makes the edits to the same host wait after a 429 of its own.
        /// </summary>
        public bool Optional { get; set; }
    }

    /// <summary>Where the core reports an upload's progress; the cmdlets turn it into Write-Progress.</summary>
    internal interface IUploadProgress
    {
        /// <summary>Starts reporting an upload, or returns null when it is not worth a progress bar.</summary>
        IUploadReport? Begin(string subject, long totalBytes);
    }

    /// <summary>One upload's progress.</summary>
    internal interface IUploadReport
    {
        void Report(long bytesSent);
        void Complete();
    }
}
