using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using ImageEdit.Pipeline;

namespace ImageEdit.Tests;

/// <summary>The scheduler with a real Cmdlet whose command runtime records what the pipeline thread wrote.</summary>
public class OperationSchedulerTests
{
    private sealed class BareCmdlet : Cmdlet
    {
    }

    private sealed class RecordingRuntime : ICommandRuntime
    {
        public List<object> Objects { get; } = new();
        public List<ErrorRecord> Errors { get; } = new();
        public int? WritingThread { get; private set; }
        public bool WroteFromOtherThreads { get; private set; }

        private void Track()
        {
            WritingThread ??= Environment.CurrentManagedThreadId;
            WroteFromOtherThreads |= WritingThread != Environment.CurrentManagedThreadId;
        }

        public void WriteObject(object sendToPipeline) { Track(); Objects.Add(sendToPipeline); }
        public void WriteObject(object sendToPipeline, bool enumerateCollection) => WriteObject(sendToPipeline);
        public void WriteError(ErrorRecord errorRecord) { Track(); Errors.Add(errorRecord); }
        public void WriteProgress(ProgressRecord progressRecord) => Track();
        public void WriteProgress(long sourceId, ProgressRecord progressRecord) => Track();
        public void WriteVerbose(string text) => Track();
        public void WriteWarning(string text) => Track();
        public void WriteDebug(string text) => Track();
        public void WriteCommandDetail(string text) { }
        public bool ShouldProcess(string target) => true;
        public bool ShouldProcess(string target, string action) => true;
        public bool ShouldProcess(string verboseDescription, string verboseWarning, string caption) => true;
        public bool ShouldProcess(string verboseDescription, string verboseWarning, string caption, out ShouldProcessReason shouldProcessReason) { shouldProcessReason = ShouldProcessReason.None; return true; }
        public bool ShouldContinue(string query, string caption) => true;
        public bool ShouldContinue(string query, string caption, ref bool yesToAll, ref bool noToAll) => true;
        public bool TransactionAvailable() => false;
        public PSTransactionContext CurrentPSTransaction => throw new NotSupportedException();
        public PSHost Host => throw new NotSupportedException();
        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void ThrowTerminatingError(ErrorRecord errorRecord) => throw new InvalidOperationException(errorRecord.ToString());
    }

    [Fact]
    public void Everything_the_tasks_write_arrives_once_and_only_through_the_pipeline_thread()
    {
        var runtime = new RecordingRuntime();
        var cmdlet = new BareCmdlet { CommandRuntime = runtime };
        const int operations = 2000;
        using (var scheduler = new OperationScheduler(cmdlet, throttleLimit: 8, activity: "test"))
        {
            for (int i = 0; i < operations; i++)
            {
                int value = i;
                // The write is the task's last act before it completes: the moment a result used to be lost.
                scheduler.Start(_ => { scheduler.WriteObject(value); return Task.CompletedTask; }, value);
            }
            scheduler.WaitAll();
        }

        Assert.Equal(Enumerable.Range(0, operations), runtime.Objects.Cast<int>().OrderBy(v => v));
        Assert.False(runtime.WroteFromOtherThreads);
    }

    [Fact]
    public void A_failing_operation_becomes_an_error_record_for_its_target_and_the_rest_go_on()
    {
        var runtime = new RecordingRuntime();
        var cmdlet = new BareCmdlet { CommandRuntime = runtime };
        using (var scheduler = new OperationScheduler(cmdlet, throttleLimit: 2, activity: "test"))
        {
            scheduler.Start(_ => Task.FromException(new TimeoutException("slow")), "a.png");
            scheduler.Start(_ => { scheduler.WriteObject("b"); return Task.CompletedTask; }, "b.png");
            scheduler.WaitAll();
        }

        Assert.Equal(new object[] { "b" }, runtime.Objects);
        var error = Assert.Single(runtime.Errors);
        Assert.Equal(("Timeout", "a.png"), (error.FullyQualifiedErrorId, error.TargetObject as string));
    }
}
