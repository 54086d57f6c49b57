using System;
using System.IO;
using System.Net.Http;

namespace ImageEdit.Http
{
    /// <summary>
    /// What a failed try of a call was: whether it may be tried again (transient), whether it reached the server at all,
    /// whether a body check refused the file, a few words for Verbose, and the error it becomes once it is not tried again.
    /// </summary>
    internal static class FailedTries
    {
        /// <summary>A failure to connect at all: the request never reached the server, so it made nothing there.</summary>
        public static bool NeverReachedServer(Exception ex)
        {
            for (Exception? inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is System.Net.Sockets.SocketException socket
                    && (socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostNotFound))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>What a transient failure was, in a few words for Verbose.</summary>
        public static string Describe(Exception ex, TryContext context, ApiConnection connection) =>
            context.TimedOut ? $"no answer within {connection.Timeout.TotalSeconds:0} s" : Innermost(ex).Message;

        /// <summary>The error a transient failure becomes once it is not tried again: a timeout, or a lost connection with what was known of the answer.</summary>
        /// <param name="billedLost">For a billed call, how many tries reached the API and lost their answer (each may have been paid for).</param>
        public static Exception GiveUp(Exception ex, TryContext context, HttpResponseMessage? response, int tries, ApiConnection connection, int billedLost = 0)
        {
            string after = tries > 1 ? $" Gave up after {tries} tries." : "";
            if (ex is TransientAnswerException { FinalError: { } final })
            {
                return final;
            }
            // Advice that would not pay again blindly: every such try may have been carried out and billed.
            string? billed = billedLost == 0 ? null
                : $" {(billedLost == 1 ? "That try" : $"Each of {billedLost} tries")} reached the API and lost its answer, so the API may have carried it out and billed it.";
            if (context.TimedOut)
            {
                string message = $"The API sent nothing for {connection.Timeout.TotalSeconds:0} s (-TimeoutSec); the request was abandoned.{after}";
                return billed is null ? new TimeoutException(message, ex)
                    : new AdvisedTimeoutException(message + billed, "Raise -TimeoutSec (the API may need longer to answer), then run the command again with -Resume, " +
                        "which sends only inputs that have no saved result; raising -MaximumRetryCount would send it, and may bill it, again.", ex);
            }
            string? requestId = response is null ? null : ApiClient.RequestId(response);
            string answer = response is null ? "before any answer arrived" : $"while reading the HTTP {(int)response.StatusCode} answer" + (requestId is null ? "" : $" (request id {requestId})");
            return new ApiConnectionException($"The connection to {connection.Origin} failed {answer}: {Innermost(ex).Message}{after}{billed}",
                response?.StatusCode, requestId, ex)
            {
                Advice = billed is null ? null : "Something between here and the API cuts its answers off (a proxy, a firewall, the network): fix that, then run the command " +
                    "again with -Resume, which sends only inputs that have no saved result; raising -MaximumRetryCount would send, and may bill, it again.",
            };
        }

        /// <summary>The exception that says what went wrong: the innermost, or an unusable answer's own.</summary>
        public static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null && !(ex is TransientAnswerException))
            {
                ex = ex.InnerException;
            }
            return ex;
        }

        /// <summary>A file found broken while it was sent (a body check refused it), or null: asking again would send the same broken bytes.</summary>
        public static BodyRefusedException? Refused(Exception ex)
        {
            for (Exception? inner = ex; inner != null; inner = inner.InnerException)
            {
                if (inner is BodyRefusedException refused)
                {
                    return refused;
                }
            }
            return null;
        }

        /// <summary>Whether the try may be made again: a timeout, a failure of the connection or of reading, an answer cut short (not a missing file).</summary>
        public static bool IsTransient(Exception ex, TryContext context) =>
            context.TimedOut || ex is HttpRequestException || ex is TransientAnswerException
            || (ex is IOException && !(ex is FileNotFoundException || ex is DirectoryNotFoundException || ex is PathTooLongException));
    }
}
