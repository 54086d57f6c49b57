using System;
using System.Management.Automation;
using System.Security;
using ImageEdit.Http;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>The parameters every cmdlet that calls the API shares: where to send, how to authenticate, how long to wait and retry.</summary>
    /// <remarks>
    /// The cmdlets' parameters are described for users in docs/help (parameters.md for the shared ones), from which Get-Help
    /// and the README's parameter table are made; a /// summary on a parameter would be a copy that drifts (ParameterText.Tests.ps1).
    /// </remarks>
    public abstract class ApiCommandBase : PSCmdlet
    {
        [Parameter]
        public ApiType? ApiType { get; set; }

        [Parameter]
        public string? ApiVersion { get; set; }

        [Parameter]
        [SecretArgument]
        public SecureString? AccessToken { get; set; }

        [Parameter]
        [SecretArgument]
        public SecureString? ApiKey { get; set; }

        [Parameter]
        public Uri? BaseUri { get; set; }

        [Parameter]
        public string? Organization { get; set; }

        [Parameter]
        public string? Project { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; } = 600;

        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; } = 2;

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
