using System.Management.Automation;
using System.Security;

namespace ImageEdit.Commands
{
    /// <summary>
    /// -ApiKey and -AccessToken take a SecureString. A key typed as plain text on the command line stays in the history
    /// file and in transcripts, so it is refused with the safe ways to pass it, instead of PowerShell's bare "cannot convert".
    /// </summary>
    internal sealed class SecretArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string)
            {
                throw new ArgumentTransformationMetadataException(
                    "A key given as plain text stays in the command history and in transcripts, so it is not taken. Set $env:OPENAI_API_KEY " +
                    "(or $env:AZURE_OPENAI_API_KEY) once per session, or pass -ApiKey (Read-Host -AsSecureString), or a SecureString from a " +
                    "secret store, e.g. -ApiKey (Get-Secret OpenAI).");
            }
            return inputData;
        }
    }
}
