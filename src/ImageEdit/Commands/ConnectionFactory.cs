using System;
using System.Management.Automation;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Pipeline;

namespace ImageEdit.Commands
{
    /// <summary>Builds the connection from the cmdlet's parameters, falling back on the OPENAI_* environment variables.</summary>
    internal static class ConnectionFactory
    {
        public static ApiConnection Create(ImageEditCommandBase command)
        {
            Uri baseUri = command.BaseUri ?? ParseBaseUri(Environment.GetEnvironmentVariable("OPENAI_BASE_URL"), command);
            if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
            {
                Fail(command, "InvalidBaseUri", ErrorCategory.InvalidArgument, baseUri,
                    $"The base URI '{baseUri}' is not an absolute http or https address.", "Pass -BaseUri https://api.openai.com/v1 or your proxy's address.");
            }
            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !command.AllowUnencryptedAuthentication)
            {
                Fail(command, "UnencryptedAuthentication", ErrorCategory.SecurityError, baseUri,
                    $"The base URI '{baseUri.GetLeftPart(UriPartial.Authority)}' uses plain http, which would send the API key unencrypted to another host.",
                    "Use https, or pass -AllowUnencryptedAuthentication if you accept the risk.");
            }
            SecureString? key = command.ApiKey ?? ToSecureString(Environment.GetEnvironmentVariable("OPENAI_API_KEY"));
            return new ApiConnection(baseUri, key,
                command.Organization ?? EmptyAsNull(Environment.GetEnvironmentVariable("OPENAI_ORG_ID")),
                command.Project ?? EmptyAsNull(Environment.GetEnvironmentVariable("OPENAI_PROJECT_ID")),
                TimeSpan.FromSeconds(command.TimeoutSec), command.MaximumRetryCount);
        }

        private static Uri ParseBaseUri(string? fromEnvironment, ImageEditCommandBase command)
        {
            if (string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return new Uri(ApiConnection.DefaultBaseUri);
            }
            if (!Uri.TryCreate(fromEnvironment!.Trim(), UriKind.Absolute, out var uri))
            {
                Fail(command, "InvalidBaseUri", ErrorCategory.InvalidArgument, fromEnvironment,
                    $"$env:OPENAI_BASE_URL ('{fromEnvironment}') is not an absolute address.", "Correct $env:OPENAI_BASE_URL or pass -BaseUri.");
            }
            return uri!;
        }

        private static SecureString? ToSecureString(string? plain)
        {
            if (string.IsNullOrEmpty(plain))
            {
                return null;
            }
            var secure = new SecureString();
            foreach (char c in plain!)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }

        private static string? EmptyAsNull(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

        private static void Fail(PSCmdlet command, string id, ErrorCategory category, object target, string message, string action) =>
            command.ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException(id, category, target, message, action), target));
    }
}
