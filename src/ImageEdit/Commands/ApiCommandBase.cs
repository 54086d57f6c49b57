using System;
using System.Management.Automation;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>The parameters every cmdlet that calls the API shares: where to send, how to authenticate, how long to wait and retry.</summary>
    public abstract class ApiCommandBase : PSCmdlet
    {
        /// <summary>OpenAI or Azure. Default: Azure when $env:AZURE_OPENAI_ENDPOINT is set and no OpenAI base URI or key is given; else OpenAI.</summary>
        [Parameter]
        public ApiType? ApiType { get; set; }

        /// <summary>Azure: the api-version query parameter. Default: $env:OPENAI_API_VERSION, else 2025-04-01-preview.</summary>
        [Parameter]
        public string? ApiVersion { get; set; }

        /// <summary>Azure: a Microsoft Entra ID access token, sent as a bearer token instead of a key.</summary>
        [Parameter]
        [SecretArgument]
        public SecureString? AccessToken { get; set; }

        /// <summary>The API key. Default: $env:OPENAI_API_KEY (Azure: $env:AZURE_OPENAI_API_KEY).</summary>
        [Parameter]
        [SecretArgument]
        public SecureString? ApiKey { get; set; }

        /// <summary>The API's base address. Default: $env:OPENAI_BASE_URL, else https://api.openai.com/v1. Azure: the resource endpoint (https://NAME.openai.azure.com); default $env:AZURE_OPENAI_ENDPOINT.</summary>
        [Parameter]
        public Uri? BaseUri { get; set; }

        /// <summary>Sent as OpenAI-Organization. Default: $env:OPENAI_ORG_ID.</summary>
        [Parameter]
        public string? Organization { get; set; }

        /// <summary>Sent as OpenAI-Project. Default: $env:OPENAI_PROJECT_ID.</summary>
        [Parameter]
        public string? Project { get; set; }

        /// <summary>Seconds one try may go without an answer (a stream: without data) before it is abandoned. Default 600.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 600;

        /// <summary>How many more times a transient failure (408, 409, 429, 5xx, a dropped connection, a timeout) is tried. Default 2.</summary>
        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = 2;

        /// <summary>Allow sending the key over plain http to a host that is not this machine.</summary>
        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        /// <summary>How long one HTTP try may take; -TimeoutSec unless a cmdlet gives -TimeoutSec another meaning (Wait-ImageEditBatch).</summary>
        internal virtual TimeSpan? RequestTimeout => null;

        /// <summary>A terminating MissingApiKey error when no key or token is configured; called once something is about to be sent.</summary>
        internal void RequireCredentials(ApiConnection connection)
        {
            if (connection.HasCredentials)
            {
                return;
            }
            ThrowTerminatingError(Pipeline.ErrorRecordFactory.Create(connection.ApiType == Http.ApiType.Azure
                ? new LocalCheckException("MissingApiKey", ErrorCategory.AuthenticationError, null,
                    "No Azure OpenAI key or token was given: pass -ApiKey or -AccessToken, or set $env:AZURE_OPENAI_API_KEY.",
                    "$env:AZURE_OPENAI_API_KEY = '<your key>' (or -AccessToken with a Microsoft Entra ID token)")
                : new LocalCheckException("MissingApiKey", ErrorCategory.AuthenticationError, null,
                    "No API key was given: pass -ApiKey or set $env:OPENAI_API_KEY.",
                    "$env:OPENAI_API_KEY = '<your key>' (or -ApiKey (Read-Host -AsSecureString))"), null));
        }
    }
}
