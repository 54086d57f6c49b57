using System;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using ImageEdit.Http;
using ImageEdit.Images;
using ImageEdit.Rules;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// Turns whatever went wrong with one input into an ErrorRecord with a stable ErrorId, a fitting category,
    /// the input file as TargetObject and a message that says what to do.
    /// </summary>
    internal static class ErrorRecordFactory
    {
        public static ErrorRecord Create(Exception exception, object? target)
        {
            switch (exception)
            {
                case LocalCheckException local:
                    // The input the error is about comes first: every error of a batch names its input file; the message names any other file.
                    return Record(local, local.ErrorId, local.Category, target ?? local.Target, local.RecommendedAction);
                case ApiException api:
                    var (id, category, action) = Describe(api);
                    return Record(api, id, category, target, api.Advice ?? action);
                case TimeoutException timeout:
                    return Record(timeout, "Timeout", ErrorCategory.OperationTimeout, target,
                        (timeout as Http.AdvisedTimeoutException)?.Advice ?? "Raise -TimeoutSec or -MaximumRetryCount, or try again later.");
                case ApiConnectionException connection:
                    return Record(connection, "ConnectionFailed", ErrorCategory.ConnectionError, target,
                        connection.Advice ?? "Check -BaseUri, the network and any proxy, then try again or raise -MaximumRetryCount.");
                case HttpRequestException http:
                    return Record(new HttpRequestException("Could not reach the API: " + InnermostMessage(http), http), "ConnectionFailed",
                        ErrorCategory.ConnectionError, target, "Check -BaseUri, the network and any proxy, then try again.");
                case Http.BodyRefusedException refused:
                    return Record(refused, "InvalidImage", ErrorCategory.InvalidData, target, "Re-save the image with an image editor, then edit it again.");
                case InvalidImageException image:
                    return Record(new InvalidImageException($"{Name(target)} is not a usable image: {image.Message}."), "InvalidImage",
                        ErrorCategory.InvalidData, target, "Pass a PNG, JPEG or WebP file.");
                case ImageEdit.Output.OutputWriteException write:
                    return Record(write, "OutputWriteFailed", ErrorCategory.WriteError, target, write.Advice ?? "Check -OutputDirectory: that it can be written and has free space.");
                case UnauthorizedAccessException denied:
                    return Record(denied, "AccessDenied", ErrorCategory.PermissionDenied, target, null);
                case IOException io:
                    return Record(io, "FileError", ErrorCategory.WriteError, target, null);
                default:
                    return Record(exception, "UnexpectedError", ErrorCategory.NotSpecified, target, null);
            }
        }

        private static (string Id, ErrorCategory Category, string? Action) Describe(ApiException api)
        {
            if (api.Kind == ApiFailureKind.StreamErrorEvent)
            {
                return ("ApiStreamError", ErrorCategory.InvalidResult, "The API failed while streaming; try again, and quote the request id if it persists.");
            }
            if (api.Kind == ApiFailureKind.StreamIncomplete)
            {
                return ("StreamIncomplete", ErrorCategory.InvalidResult, "The stream ended before the final image; try again.");
            }
            int status = (int)api.StatusCode;
            if (status == 400 && string.Equals(api.Code, "moderation_blocked", StringComparison.OrdinalIgnoreCase))
            {
                // The same stable ErrorId as any 400; only the advice differs, since there is nothing to correct.
                return ("ApiBadRequest", ErrorCategory.InvalidArgument,
                    "The API's moderation refused this prompt or image: change the prompt or the image; with GPT image models, -Moderation low is less strict.");
            }
            string paramHint = api.Param is null ? "Correct the request and try again." : $"Correct the value sent as '{api.Param}' and try again.";
            return status switch
            {
                400 => ("ApiBadRequest", ErrorCategory.InvalidArgument, paramHint),
                401 => ("ApiUnauthorized", ErrorCategory.AuthenticationError, "Check -ApiKey (or $env:OPENAI_API_KEY; on Azure $env:AZURE_OPENAI_API_KEY or -AccessToken) and -BaseUri."),
                403 => ("ApiForbidden", ErrorCategory.PermissionDenied, "Check that the key, -Organization and -Project may use this model."),
                404 => ("ApiNotFound", ErrorCategory.ObjectNotFound, "Check -BaseUri, and -Model or -Deployment when given."),
                408 => ("ApiTimeout", ErrorCategory.OperationTimeout, "Try again later or raise -MaximumRetryCount."),
                409 => ("ApiConflict", ErrorCategory.ResourceBusy, "Try again later or raise -MaximumRetryCount."),
                413 => ("ApiRequestTooLarge", ErrorCategory.LimitsExceeded, "Send smaller or fewer images."),
                415 or 422 => ("ApiUnprocessable", ErrorCategory.InvalidData, paramHint),
                429 => ("ApiRateLimited", ErrorCategory.QuotaExceeded, "Wait, lower the request rate, or raise -MaximumRetryCount; check your quota if it persists."),
                >= 500 => ("ApiServerError", ErrorCategory.ResourceUnavailable, "The API failed; try again later or raise -MaximumRetryCount."),
                >= 200 and < 300 => ("ApiInvalidAnswer", ErrorCategory.InvalidResult, "The answer could not be used; try again, and report the request id if it persists."),
                _ => ("ApiError", ErrorCategory.ProtocolError, null),
            };
        }

        private static ErrorRecord Record(Exception exception, string errorId, ErrorCategory category, object? target, string? action)
        {
            var record = new ErrorRecord(exception, errorId, category, target);
            if (action != null)
            {
                record.ErrorDetails = new ErrorDetails(exception.Message) { RecommendedAction = action };
            }
            return record;
        }

        private static string InnermostMessage(Exception exception)
        {
            while (exception.InnerException != null)
            {
                exception = exception.InnerException;
            }
            return exception.Message;
        }

        private static string Name(object? target) => target is string path ? Path.GetFileName(path) : "The file";
    }
}
