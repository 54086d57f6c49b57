using System;
using System.Management.Automation;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Pipeline;

namespace ImageEdit.Commands
{
    /// <summary>
    /// Builds the connection from the cmdlet's parameters, falling back on the environment: OPENAI_* for OpenAI, and
    /// AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, AZURE_OPENAI_DEPLOYMENT and OPENAI_API_VERSION for Azure OpenAI.
    /// </summary>
    internal static class ConnectionFactory
    {
        public static ApiConnection Create(ApiCommandBase command, string? deployment = null)
        {
            var apiType = command.ApiType ?? ChooseApiType(command);
            Uri baseUri = apiType == ApiType.Azure
                ? command.BaseUri ?? ParseUri(Environment("AZURE_OPENAI_ENDPOINT"), "$env:AZURE_OPENAI_ENDPOINT", command)
                    ?? Fail<Uri>(command, "MissingAzureEndpoint", ErrorCategory.InvalidArgument, "AZURE_OPENAI_ENDPOINT",
                        "An Azure OpenAI request needs the resource endpoint, and neither -BaseUri nor $env:AZURE_OPENAI_ENDPOINT gives one.",
                        "Pass -BaseUri https://<resource>.openai.azure.com, or set $env:AZURE_OPENAI_ENDPOINT.")
                : command.BaseUri ?? ParseUri(Environment("OPENAI_BASE_URL"), "$env:OPENAI_BASE_URL", command) ?? new Uri(ApiConnection.DefaultBaseUri);
            if (!baseUri.IsAbsoluteUri || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
            {
                Fail<Uri>(command, "InvalidBaseUri", ErrorCategory.InvalidArgument, baseUri,
                    $"The base URI '{baseUri}' is not an absolute http or https address.", "Pass -BaseUri https://api.openai.com/v1 or your proxy's address.");
            }
            if (baseUri.Scheme == Uri.UriSchemeHttp && !baseUri.IsLoopback && !command.AllowUnencryptedAuthentication)
            {
                Fail<Uri>(command, "UnencryptedAuthentication", ErrorCategory.SecurityError, baseUri,
                    $"The base URI '{baseUri.GetLeftPart(UriPartial.Authority)}' uses plain http, which would send the credentials unencrypted to another host.",
                    "Use https, or pass -AllowUnencryptedAuthentication if you accept the risk.");
            }
            SecureString? key = command.ApiKey ?? ToSecureString(Environment(apiType == ApiType.Azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY"));
            return new ApiConnection(baseUri, key,
                command.Organization ?? Environment("OPENAI_ORG_ID"),
                command.Project ?? Environment("OPENAI_PROJECT_ID"),
                command.RequestTimeout ?? TimeSpan.FromSeconds(command.TimeoutSec), command.MaximumRetryCount, apiType,
                deployment ?? Environment("AZURE_OPENAI_DEPLOYMENT"),
                command.ApiVersion ?? Environment("OPENAI_API_VERSION"),
                command.AccessToken);
        }

        /// <summary>Azure when its endpoint is configured and nothing points at OpenAI; OpenAI otherwise.</summary>
        private static ApiType ChooseApiType(ApiCommandBase command)
        {
            bool azureConfigured = Environment("AZURE_OPENAI_ENDPOINT") != null;
            bool openAiConfigured = command.BaseUri != null || command.ApiKey != null
                || Environment("OPENAI_BASE_URL") != null || Environment("OPENAI_API_KEY") != null;
            return azureConfigured && !openAiConfigured ? ApiType.Azure : ApiType.OpenAI;
        }

        private static Uri? ParseUri(string? value, string source, ApiCommandBase command)
        {
            if (value is null)
            {
                return null;
            }
            if (!Uri.TryCreate(value.Trim(), UriKind.Absolute, out var uri))
            {
                Fail<Uri>(command, "InvalidBaseUri", ErrorCategory.InvalidArgument, value,
                    $"{source} ('{value}') is not an absolute address.", $"Correct {source} or pass -BaseUri.");
            }
            return uri;
        }

        private static string? Environment(string name)
        {
            string? value = System.Environment.GetEnvironmentVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        private static SecureString? ToSecureString(string? plain)
        {
            if (plain is null)
            {
                return null;
            }
            var secure = new SecureString();
            foreach (char c in plain)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }

        private static T Fail<T>(PSCmdlet command, string id, ErrorCategory category, object target, string message, string action)
        {
            command.ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException(id, category, target, message, action), target));
            return default!;
        }
    }
}
