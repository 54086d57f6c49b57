using System;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security;

namespace ImageEdit.Http
{
    /// <summary>Which flavour of the endpoint requests go to.</summary>
    public enum ApiType
    {
        /// <summary>api.openai.com or a compatible server: POST {base}/images/edits with a bearer key.</summary>
        OpenAI,
        /// <summary>Azure OpenAI: POST {endpoint}/openai/deployments/{deployment}/images/edits?api-version=..., key in api-key.</summary>
        Azure,
    }

    /// <summary>The values the connection writes into request headers.</summary>
    internal enum HeaderValue
    {
        ApiKey,
        AccessToken,
        Organization,
        Project,
    }

    /// <summary>
    /// Where requests go and how they are authenticated. Secrets stay SecureStrings: they become plain text only inside
    /// <see cref="ApplyCredentials"/>, while the header is written, and ToString never shows them.
    /// </summary>
    internal sealed class ApiConnection
    {
        public const string DefaultBaseUri = "https://api.openai.com/v1";

        /// <summary>The Azure OpenAI API version used when neither -ApiVersion nor OPENAI_API_VERSION gives one.</summary>
        public const string DefaultAzureApiVersion = "2025-04-01-preview";

        public ApiConnection(Uri baseUri, SecureString? apiKey, string? organization = null, string? project = null,
            TimeSpan? timeout = null, int maximumRetryCount = 2, ApiType apiType = ApiType.OpenAI, string? deployment = null,
            string? apiVersion = null, SecureString? accessToken = null)
        {
            BaseUri = baseUri ?? throw new ArgumentNullException(nameof(baseUri));
            ApiKey = apiKey;
            Organization = HeaderText(organization);
            Project = HeaderText(project);
            Timeout = timeout ?? TimeSpan.FromSeconds(600);
            MaximumRetryCount = maximumRetryCount;
            ApiType = apiType;
            Deployment = deployment;
            ApiVersion = apiVersion ?? DefaultAzureApiVersion;
            AccessToken = accessToken;
        }

        /// <summary>The OpenAI base address (…/v1), or the Azure resource endpoint (https://NAME.openai.azure.com).</summary>
        public Uri BaseUri { get; }
        internal SecureString? ApiKey { get; }
        internal SecureString? AccessToken { get; }
        public string? Organization { get; }
        public string? Project { get; }
        public ApiType ApiType { get; }

        /// <summary>The Azure deployment; when not set, the request's -Model names it.</summary>
        public string? Deployment { get; }
        public string ApiVersion { get; }

        /// <summary>How long one try may take before it is abandoned.</summary>
        public TimeSpan Timeout { get; }

        /// <summary>How many more times a transient failure is tried again.</summary>
        public int MaximumRetryCount { get; }

        /// <summary>True when a key or token will be sent.</summary>
        public bool HasCredentials => ApiKey != null || AccessToken != null;

        /// <summary>The scheme, host and port requests go to.</summary>
        public string Origin => BaseUri.GetLeftPart(UriPartial.Authority);

        /// <summary>The deployment a request goes to on Azure: -Deployment, else its model; null when neither is known.</summary>
        public string? DeploymentFor(string? model) => Deployment ?? model;

        /// <summary>The same endpoint and credentials with another timeout per try and retry count (a call that must not wait long).</summary>
        public ApiConnection WithLimits(TimeSpan timeout, int maximumRetryCount) =>
            new ApiConnection(BaseUri, ApiKey, Organization, Project, timeout, maximumRetryCount, ApiType, Deployment, ApiVersion, AccessToken);

        /// <summary>The address a request for <paramref name="model"/> is posted to.</summary>
        public Uri EditsUri(string? model)
        {
            string root = BaseUri.AbsoluteUri.TrimEnd('/');
            if (ApiType == ApiType.OpenAI)
            {
                return new Uri(root + "/images/edits");
            }
            string deployment = DeploymentFor(model) ?? throw new InvalidOperationException("An Azure request needs a deployment.");
            return new Uri($"{root}/openai/deployments/{Uri.EscapeDataString(deployment)}/images/edits?api-version={Uri.EscapeDataString(ApiVersion)}");
        }

        /// <summary>The Files API: {base}/files, or on Azure {endpoint}/openai/files?api-version=...; <paramref name="fileId"/> names one file.</summary>
        public Uri FilesUri(string? fileId = null, string? action = null) =>
            Resource("files" + (fileId is null ? "" : "/" + Uri.EscapeDataString(fileId)) + (action is null ? "" : "/" + action));

        /// <summary>The Batch API: {base}/batches, one batch, or an action on it (cancel).</summary>
        public Uri BatchesUri(string? batchId = null, string? action = null) =>
            Resource("batches" + (batchId is null ? "" : "/" + Uri.EscapeDataString(batchId)) + (action is null ? "" : "/" + action));

        /// <summary>The Models API: {base}/models, or on Azure {endpoint}/openai/models?api-version=....</summary>
        public Uri ModelsUri() => Resource("models");

        private Uri Resource(string path)
        {
            string root = BaseUri.AbsoluteUri.TrimEnd('/');
            return ApiType == ApiType.OpenAI
                ? new Uri($"{root}/{path}")
                : new Uri($"{root}/openai/{path}?api-version={Uri.EscapeDataString(ApiVersion)}");
        }

        internal void ApplyCredentials(HttpRequestMessage message)
        {
            if (AccessToken != null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Reveal(AccessToken));
            }
            else if (ApiKey != null)
            {
                if (ApiType == ApiType.Azure)
                {
                    message.Headers.TryAddWithoutValidation("api-key", Reveal(ApiKey));
                }
                else
                {
                    message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Reveal(ApiKey));
                }
            }
            if (!string.IsNullOrEmpty(Organization))
            {
                message.Headers.TryAddWithoutValidation("OpenAI-Organization", Organization);
            }
            if (!string.IsNullOrEmpty(Project))
            {
                message.Headers.TryAddWithoutValidation("OpenAI-Project", Project);
            }
        }

        /// <summary>
        /// What one of the header values (the key, the token, the organization, the project) has inside it that a header
        /// cannot carry, a line break or another control character, as (which value, what and where); null when all are
        /// fine. Spaces and line breaks around a value are trimmed (a key read with Get-Content -Raw ends with one), so
        /// only what is inside counts. The value itself is never part of the answer.
        /// </summary>
        internal (HeaderValue Value, string Problem)? HeaderValueProblem()
        {
            var values = new (HeaderValue, string?)[]
            {
                (HeaderValue.ApiKey, ApiKey is null ? null : Reveal(ApiKey)),
                (HeaderValue.AccessToken, AccessToken is null ? null : Reveal(AccessToken)),
                (HeaderValue.Organization, Organization),
                (HeaderValue.Project, Project),
            };
            foreach (var (value, text) in values)
            {
                if (text is null)
                {
                    continue;
                }
                for (int i = 0; i < text.Length; i++)
                {
                    char c = text[i];
                    if (char.IsControl(c))
                    {
                        string what = c == '\n' ? "a line break (LF)" : c == '\r' ? "a line break (CR)" : $"a control character (U+{(int)c:X4})";
                        return (value, $"{what} inside it, at character {i + 1} of {text.Length}");
                    }
                }
            }
            return null;
        }

        /// <summary>A header value as sent: without the spaces and line breaks around it; null when nothing is left.</summary>
        private static string? HeaderText(string? value)
        {
            string? trimmed = value?.Trim();
            return string.IsNullOrEmpty(trimmed) ? null : trimmed;
        }

        private static string Reveal(SecureString secret) => RevealAsIs(secret).Trim();

        private static string RevealAsIs(SecureString secret)
        {
            IntPtr pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try
            {
                return Marshal.PtrToStringUni(pointer) ?? string.Empty;
            }
            finally
            {
                Marshal.ZeroFreeGlobalAllocUnicode(pointer);
            }
        }

        public override string ToString() =>
            $"{ApiType} {BaseUri} ({(AccessToken != null ? "access token" : ApiKey != null ? "API key" : "no credentials")}, hidden)";
    }
}
