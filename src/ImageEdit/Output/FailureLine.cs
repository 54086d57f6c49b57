using System;
using System.IO;
using System.Text.Json.Serialization;

namespace ImageEdit.Output
{
    /// <summary>
    /// An input that failed after its checks, as a line of the run record of its own ("type":"failure"), so that the record
    /// says what went wrong as well as what was made (Export-ImageEditReport shows both). It is never a result: -Resume
    /// reads only edit lines, so the input is sent again.
    /// </summary>
    internal sealed class FailureLine
    {
        [JsonPropertyName("type")] public string Type { get; set; } = "failure";
        [JsonPropertyName("time")] public DateTimeOffset Time { get; set; }
        [JsonPropertyName("cmdlet")] public string Cmdlet { get; set; } = "";
        [JsonPropertyName("source")] public string Source { get; set; } = "";
        [JsonPropertyName("errorId")] public string ErrorId { get; set; } = "";
        [JsonPropertyName("message")] public string Message { get; set; } = "";
        [JsonPropertyName("model")] public string? Model { get; set; }
        [JsonPropertyName("prompt")] public string? Prompt { get; set; }
        [JsonPropertyName("requestId")] public string? RequestId { get; set; }
        [JsonPropertyName("batchId")] public string? BatchId { get; set; }
        [JsonPropertyName("customId")] public string? CustomId { get; set; }

        /// <summary>
        /// The line for an input's error, from its ErrorRecord (its ErrorId without the command's name, its message).
        /// </summary>
        public static FailureLine From(System.Management.Automation.ErrorRecord error, string source, string cmdlet) => new FailureLine
        {
            Time = DateTimeOffset.UtcNow,
            Cmdlet = cmdlet,
            Source = source,
            ErrorId = error.FullyQualifiedErrorId.Split(',')[0],
            Message = error.Exception?.Message ?? error.ToString(),
        };

        /// <summary>
        /// Appends this line; a record that cannot take it (the disk full, the folder gone) loses only the line, since the
        /// error itself has already gone to the user and the input has no result for -Resume to find either way.
        /// </summary>
        public void TryAppendTo(RunRecord? record)
        {
            if (record is null)
            {
                return;
            }
            try
            {
                record.AppendObjects(new object[] { this });
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
        }
    }
}
