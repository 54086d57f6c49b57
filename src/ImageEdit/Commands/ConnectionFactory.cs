using System;
using System.Management.Automation;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Pipeline;
using ImageEdit.Rules;

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
            string keyVariable = apiType == ApiType.Azure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY";
            SecureString? key = command.ApiKey ?? ToSecureString(Environment(keyVariable));
            var connection = new ApiConnection(baseUri, key,
                command.Organization ?? Environment("OPENAI_ORG_ID"),
                command.Project ?? Environment("OPENAI_PROJECT_ID"),
                command.RequestTimeout ?? TimeSpan.FromSeconds(command.TimeoutSec), command.MaximumRetryCount, apiType,
                deployment ?? Environment("AZURE_OPENAI_DEPLOYMENT"),
                command.ApiVersion ?? Environment("OPENAI_API_VERSION"),
                command.AccessToken);
            if (connection.HeaderValueProblem() is { } problem)
            {
                // Written into a header, a line break would end the header block early: the API would read the rest as the
                // body and answer something unrelated (a 400 or 415). Refused here, naming where the value came from, never the value.
                string source = problem.Value switch
                {
                    HeaderValue.ApiKey => command.ApiKey != null ? "The API key given in -ApiKey" : $"The API key in $env:{keyVariable}",
                    HeaderValue.AccessToken => "The access token given in -AccessToken",
                    HeaderValue.Organization => command.Organization != null ? "-Organization" : "$env:OPENAI_ORG_ID",
                    _ => command.Project != null ? "-Project" : "$env:OPENAI_PROJECT_ID",
                };
                Fail<ApiConnection>(command, "InvalidHeaderValue", ErrorCategory.InvalidArgument, null,
                    $"{source} has {problem.Problem}; it is sent in a request header, which cannot carry one, so nothing was sent.",
                    "Give the value alone on one line (line breaks and spaces around it are trimmed), e.g. (Get-Content key.txt -Raw).Trim(); check the secret store's entry.");
            }
            return connection;
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

        private static T Fail<T>(PSCmdlet command, string id, ErrorCategory category, object? target, string message, string action)
        {
            command.ThrowTerminatingError(ErrorRecordFactory.Create(new LocalCheckException(id, category, target, message, action), target));
            return default!;
        }
    }
}
