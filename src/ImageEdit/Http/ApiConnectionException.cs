using System;
using System.Net;

namespace ImageEdit.Http
{
    /// <summary>The connection failed (refused, dropped, cut short) and was not, or no longer, tried again.</summary>
    public sealed class ApiConnectionException : Exception
    {
        public ApiConnectionException(string message, HttpStatusCode? statusCode, string? requestId, Exception inner) : base(message, inner)
        {
            StatusCode = statusCode;
            RequestId = requestId;
        }

        /// <summary>The status of the answer that was being read, when one had arrived.</summary>
        public HttpStatusCode? StatusCode { get; }
        public string? RequestId { get; }

        /// <summary>What to do, when the core knows better than the general advice (tries that may have been billed, a look that failed).</summary>
        public string? Advice { get; set; }
    }
}
