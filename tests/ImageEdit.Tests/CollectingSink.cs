using System.Collections.Concurrent;
using System.Management.Automation;
using ImageEdit.Pipeline;

namespace ImageEdit.Tests;

/// <summary>Stands where the pipeline would: keeps everything an operation writes.</summary>
internal sealed class CollectingSink : IOutputSink
{
    public ConcurrentQueue<object> Objects { get; } = new();
    public ConcurrentQueue<ErrorRecord> Errors { get; } = new();
    public ConcurrentQueue<string> VerboseLines { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<ProgressRecord> Progress { get; } = new();

    public void WriteObject(object value) => Objects.Enqueue(value);
    public void WriteError(ErrorRecord record) => Errors.Enqueue(record);
    public void WriteProgress(ProgressRecord record) => Progress.Enqueue(record);
    public void Verbose(string message) => VerboseLines.Enqueue(message);
    public void Warning(string message) => Warnings.Enqueue(message);
    public void Debug(string message) { }
    public int BatchActivityId { get; } = ActivityIds.Next();
}
