using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace ImageEdit.Pipeline
{
    /// <summary>
    /// Runs requests as tasks, at most <c>throttleLimit</c> at once, while the pipeline thread alone writes what
    /// they produce: every WriteObject, WriteError, WriteVerbose and WriteProgress is queued here and carried out
    /// by the thread that called ProcessRecord or EndProcessing. Cancelling stops them all.
    /// </summary>
    internal sealed class OperationScheduler : IOutputSink, IDisposable
    {
        private static readonly TimeSpan CancellationGrace = TimeSpan.FromSeconds(5);
        private readonly BlockingCollection<Action<Cmdlet>> _queue = new BlockingCollection<Action<Cmdlet>>();
        private readonly List<Task> _running = new List<Task>();
        private readonly CancellationTokenSource _cancellation = new CancellationTokenSource();
        private readonly Cmdlet _cmdlet;
        private readonly int _throttleLimit;
        private readonly ProgressRecord _batchProgress;
        private int _started;
        private int _finished;
        private bool _showingProgress;

        /// <param name="cmdlet">The cmdlet whose pipeline thread writes.</param>
        /// <param name="throttleLimit">How many operations may run at once.</param>
        /// <param name="activity">What the batch progress bar says, e.g. "Editing images".</param>
        public OperationScheduler(Cmdlet cmdlet, int throttleLimit, string activity)
        {
            _cmdlet = cmdlet;
            _throttleLimit = Math.Max(1, throttleLimit);
            _batchProgress = new ProgressRecord(ActivityIds.Next(), activity, "Starting");
            _verbose = Wants(cmdlet, "Verbose", "VerbosePreference");
            _debug = Wants(cmdlet, "Debug", "DebugPreference");
        }

        private readonly bool _verbose;
        private readonly bool _debug;

        /// <summary>
        /// Whether the command's Verbose or Debug lines would be shown (its -Verbose or -Debug, else the preference
        /// variable): lines nobody asked for are not queued, so they cost the pipeline thread no wake-up per request.
        /// </summary>
        private static bool Wants(Cmdlet cmdlet, string parameter, string preferenceVariable)
        {
            if (cmdlet is not PSCmdlet command)
            {
                return true;
            }
            if (command.MyInvocation.BoundParameters.TryGetValue(parameter, out object? bound))
            {
                return bound is SwitchParameter given ? given.IsPresent : LanguagePrimitives.IsTrue(bound);
            }
            object? preference = command.GetVariableValue(preferenceVariable);
            if (preference is PSObject wrapped)
            {
                preference = wrapped.BaseObject;
            }
            return !(preference is ActionPreference action) || (action != ActionPreference.SilentlyContinue && action != ActionPreference.Ignore);
        }

        public CancellationToken Cancellation => _cancellation.Token;

        public int BatchActivityId => _batchProgress.ActivityId;

        /// <summary>Starts <paramref name="work"/> once a slot is free; its failure becomes an ErrorRecord targeting <paramref name="target"/>.</summary>
        /// <param name="work">The request's work.</param>
        /// <param name="target">What its error names.</param>
        /// <param name="failed">Told when the work fails (not when it is cancelled).</param>
        /// <param name="errored">Given the failure's ErrorRecord, on the work's thread, before it is written (to keep it in the run record).</param>
        public void Start(Func<CancellationToken, Task> work, object target, Action? failed = null, Action<ErrorRecord>? errored = null)
        {
            WaitForFreeSlot();
            var task = Task.Run(async () =>
            {
                try
                {
                    await work(_cancellation.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    failed?.Invoke();
                    var record = ErrorRecordFactory.Create(ex, target);
                    errored?.Invoke(record);
                    Post(c => c.WriteError(record));
                }
                finally
                {
                    Interlocked.Increment(ref _finished);
                }
            });
            // Wake the pipeline thread once the task has completed (not just before), so that its wait ends and it sees
            // the task done; this also updates the batch progress.
            task.ContinueWith(_ => Post(__ => WriteBatchProgress()), TaskScheduler.Default);
            _running.Add(task);
            _started++;
            WriteBatchProgress();
            Drain();
        }

        /// <summary>
        /// Carries out queued writes until fewer than -ThrottleLimit requests are in flight, so that what is decided next
        /// (whether the output folder still takes files) is decided after the requests before it have finished.
        /// </summary>
        public void WaitForFreeSlot()
        {
            while (_running.Count >= _throttleLimit)
            {
                DrainUntil(() => _running.Any(t => t.IsCompleted));
            }
        }

        /// <summary>Files done of those started so far, shown once a batch has more than one file; only ever on the pipeline thread.</summary>
        private void WriteBatchProgress()
        {
            if (_started < 2 && !_showingProgress)
            {
                return;
            }
            _showingProgress = true;
            int finished = Volatile.Read(ref _finished);
            _batchProgress.StatusDescription = $"{finished} of {_started} done, {_started - finished} in flight";
            _batchProgress.PercentComplete = finished * 100 / _started;
            _cmdlet.WriteProgress(_batchProgress);
        }

        /// <summary>Carries out queued writes until every started task has finished.</summary>
        public void WaitAll()
        {
            DrainUntil(() => _running.All(t => t.IsCompleted));
            if (_showingProgress)
            {
                WriteBatchProgress();
                _batchProgress.RecordType = ProgressRecordType.Completed;
                _cmdlet.WriteProgress(_batchProgress);
                _showingProgress = false;
            }
        }

        /// <summary>Called from StopProcessing (another thread): cancels everything in flight.</summary>
        public void Cancel()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        public void WriteObject(object value) => Post(c => c.WriteObject(value));
        public void WriteError(ErrorRecord record) => Post(c => c.WriteError(record));
        public void WriteProgress(ProgressRecord record)
        {
            // A ProgressRecord is mutable and the caller reuses it: the queue must keep the state it had now.
            var snapshot = new ProgressRecord(record.ActivityId, record.Activity, record.StatusDescription)
            {
                PercentComplete = record.PercentComplete,
                RecordType = record.RecordType,
                CurrentOperation = record.CurrentOperation,
                ParentActivityId = record.ParentActivityId,
                SecondsRemaining = record.SecondsRemaining,
            };
            Post(c => c.WriteProgress(snapshot));
        }
        public void Verbose(string message)
        {
            if (_verbose)
            {
                Post(c => c.WriteVerbose(message));
            }
        }

        public void Warning(string message) => Post(c => c.WriteWarning(message));
        public void Debug(string message)
        {
            if (_debug)
            {
                Post(c => c.WriteDebug(message));
            }
        }

        private void Post(Action<Cmdlet> write)
        {
            try
            {
                _queue.Add(write);
            }
            catch (InvalidOperationException)
            {
                // The cmdlet has finished; nothing can be written any more.
            }
        }

        private void Drain()
        {
            while (_queue.TryTake(out var write))
            {
                write(_cmdlet);
            }
        }

        private void DrainUntil(Func<bool> done)
        {
            while (true)
            {
                if (_cancellation.IsCancellationRequested)
                {
                    // Let the tasks delete their temporary files before the pipeline stops.
                    Task.WaitAll(_running.ToArray(), CancellationGrace);
                    throw new PipelineStoppedException();
                }
                if (_queue.TryTake(out var write))
                {
                    write(_cmdlet);
                    continue;
                }
                if (done())
                {
                    // A task posts all it writes before it completes, but it may have done both since the queue was last
                    // found empty: drain once more, or a result would be lost.
                    Drain();
                    _running.RemoveAll(t => t.IsCompleted);
                    return;
                }
                // Every task posts once more after it has completed, so this wait ends as soon as there is something to do.
                if (_queue.TryTake(out write, 250))
                {
                    write(_cmdlet);
                }
            }
        }

        public void Dispose()
        {
            Cancel();
            Task.WaitAll(_running.ToArray(), CancellationGrace);
            _queue.CompleteAdding();
            _cancellation.Dispose();
        }
    }
}
