using System;
using System.Management.Automation;
using ImageEdit.Http;
using ImageEdit.Pipeline;

namespace ImageEdit.Commands
{
    /// <summary>
    /// A cmdlet that calls the API: the one way its network work runs. The connection is built once, the calls run on
    /// the scheduler (off the pipeline thread, with the command's cancellation) while only the pipeline thread writes,
    /// and Ctrl+C cancels them all.
    /// </summary>
    public abstract class ScheduledCommandBase : ApiCommandBase, IDisposable
    {
        private OperationScheduler? _scheduler;
        private ApiConnection? _connection;

        /// <summary>How many calls may be in flight at once.</summary>
        internal virtual int InFlightLimit => 1;

        /// <summary>What the batch progress bar says, e.g. "Editing images".</summary>
        internal abstract string Activity { get; }

        /// <summary>The Azure deployment, for cmdlets that post to one.</summary>
        internal virtual string? DeploymentName => null;

        internal ApiConnection Connection => _connection ?? throw new InvalidOperationException("BeginProcessing has not run.");

        internal OperationScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("BeginProcessing has not run.");

        protected override void BeginProcessing()
        {
            _connection = ConnectionFactory.Create(this, DeploymentName);
            _scheduler = new OperationScheduler(this, InFlightLimit, Activity);
        }

        protected override void EndProcessing() => _scheduler?.WaitAll();

        protected override void StopProcessing() => _scheduler?.Cancel();

        public void Dispose()
        {
            _scheduler?.Dispose();
            ReleaseResources();
            GC.SuppressFinalize(this);
        }

        /// <summary>What a cmdlet holds beyond the scheduler (files being written), released also when the pipeline is stopped.</summary>
        internal virtual void ReleaseResources()
        {
        }
    }

    /// <summary>A cmdlet that sends one request per input, several at once: at most -ThrottleLimit in flight.</summary>
    public abstract class ThrottledCommandBase : ScheduledCommandBase
    {
        /// <summary>How many requests may be in flight at once, over one shared connection pool. Default 4.</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        internal override int InFlightLimit => ThrottleLimit;
    }
}
