using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;

namespace ImageEdit.Http
{
    /// <summary>
    /// The API answered with an error, or with something that is not a usable answer. Carries what the API said
    /// (message, type, param, code), the HTTP status and the request id, never the request's credentials.
    /// </summary>
    public sealed class ApiException : Exception
    {
        public ApiException(HttpStatusCode statusCode, string apiMessage, string? errorType, string? param, string? code, string? requestId,
            Exception? inner = null, ApiFailureKind kind = ApiFailureKind.Status)
            : base(Compose(statusCode, apiMessage, errorType, param, code, requestId), inner)
        {
            Kind = kind;
            StatusCode = statusCode;
            ApiMessage = apiMessage;
            ErrorType = errorType;
            Param = param;
            Code = code;
            RequestId = requestId;
        }

        /// <summary>
        /// What a GET of one object returns, or null when the API answers 404: the object is gone (deleted, expired, or
        /// never there). Every other failure is thrown as it is.
        /// </summary>
        internal static async Task<T?> NullWhenNotFoundAsync<T>(Task<T> get) where T : class
        {
            try
            {
                return await get.ConfigureAwait(false);
            }
            catch (ApiException error) when ((int)error.StatusCode == 404)
            {
                return null;
            }
        }

        public HttpStatusCode StatusCode { get; }
        /// <summary>The API's own message, or a description of the unusable answer.</summary>
        public string ApiMessage { get; }
        /// <summary>The error's type, e.g. invalid_request_error.</summary>
        public string? ErrorType { get; }
        /// <summary>The request field the error is about, e.g. size.</summary>
        public string? Param { get; }
        /// <summary>The error's code, e.g. invalid_api_key.</summary>
        public string? Code { get; }
        public string? RequestId { get; }
        /// <summary>Whether the status, an error event in a stream, or a stream that ended early says this failed.</summary>
        public ApiFailureKind Kind { get; }

        /// <summary>What to do about it when the caller knows better than the status alone (a retired model's replacement).</summary>
        public string? Advice { get; internal set; }

        private static string Compose(HttpStatusCode status, string message, string? type, string? param, string? code, string? requestId)
        {
            string details = string.Join(", ", new[]
            {
                $"HTTP {(int)status} {status}",
                type is null ? null : "type " + type,
                code is null ? null : "code " + code,
                param is null ? null : "param " + param,
                requestId is null ? null : "request id " + requestId,
            }.Where(s => s != null));
            return $"{message.TrimEnd()} ({details})";
        }
    }

    /// <summary>How an <see cref="ApiException"/> came about.</summary>
    public enum ApiFailureKind
    {
        /// <summary>An error status, or a 2xx answer that could not be used.</summary>
        Status,
        /// <summary>An <c>error</c> event in an event stream.</summary>
        StreamErrorEvent,
        /// <summary>An event stream that ended without its completed event.</summary>
        StreamIncomplete,
    }
}
