using System.Management.Automation;
using ImageEdit.Http;

namespace ImageEdit.Pipeline
{
    /// <summary>What background work may say to the pipeline; every call is queued and carried out by the pipeline thread.</summary>
    internal interface IOutputSink : ILog
    {
        void WriteObject(object value);
        void WriteError(ErrorRecord record);
        void WriteProgress(ProgressRecord record);

        /// <summary>The activity id of the batch's progress bar, the parent of each request's own bars.</summary>
        int BatchActivityId { get; }
    }
}
