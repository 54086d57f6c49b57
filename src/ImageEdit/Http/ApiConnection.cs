using System;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Security;

namespace ImageEdit.Http
{
    /// <summary>
    /// Where requests go and how they are authenticated. The key stays a SecureString: it becomes plain text only
    /// inside <see cref="ApplyCredentials"/>, while the header is written, and ToString never shows it.
    /// </summary>
    public sealed class ApiConnection
    {
        public const string DefaultBaseUri = "https://api.openai.com/v1";

        public ApiConnection(Uri baseUri, SecureString? apiKey, string? organization = null, string? project = null,
            TimeSpan? timeout = null, int maximumRetryCount = 2)
        {
            BaseUri = baseUri ?? throw new ArgumentNullException(nameof(baseUri));
            ApiKey = apiKey;
            Organization = organization;
            Project = project;
            Timeout = timeout ?? TimeSpan.FromSeconds(600);
            MaximumRetryCount = maximumRetryCount;
        }

        public Uri BaseUri { get; }
        internal SecureString? ApiKey { get; }
        public string? Organization { get; }
        public string? Project { get; }

        /// <summary>How long one try may take before it is abandoned.</summary>
        public TimeSpan Timeout { get; }

        /// <summary>How many more times a transient failure is tried again.</summary>
        public int MaximumRetryCount { get; }

        public Uri EditsUri => new Uri(BaseUri.AbsoluteUri.TrimEnd('/') + "/images/edits");

        /// <summary>True when the endpoint is on this machine, where plain http exposes nothing.</summary>
        public bool IsLoopback => BaseUri.IsLoopback;

        internal void ApplyCredentials(HttpRequestMessage message)
        {
            if (ApiKey != null)
            {
                message.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Reveal(ApiKey));
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

        private static string Reveal(SecureString secret)
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

        public override string ToString() => $"{BaseUri} (API key {(ApiKey is null ? "not set" : "set, hidden")})";
    }
}
