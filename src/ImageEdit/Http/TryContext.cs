using System;
using System.Threading;

namespace ImageEdit.Http
{
    /// <summary>
    /// One try of a request: a token that fires on the user's cancellation or when the try has gone quiet for
    /// longer than the timeout, and whether the caller has already handed results on (after which it is not retried).
    /// </summary>
    internal sealed class TryContext : IDisposable
    {
        private readonly CancellationToken _userCancellation;
        private readonly CancellationTokenSource _source;
        private readonly TimeSpan _timeout;

        public TryContext(CancellationToken userCancellation, TimeSpan timeout)
        {
            _userCancellation = userCancellation;
            _timeout = timeout;
            _source = CancellationTokenSource.CreateLinkedTokenSource(userCancellation);
            _source.CancelAfter(timeout);
        }

        public CancellationToken Token => _source.Token;

        /// <summary>Which try of its call this is, from 1: the call's Attempts when its answer is read in this try.</summary>
        public int Number { get; internal set; } = 1;

        /// <summary>True when this try was abandoned for the timeout rather than by the user.</summary>
        public bool TimedOut => _source.IsCancellationRequested && !_userCancellation.IsCancellationRequested;

        public bool IsCommitted { get; private set; }

        /// <summary>Marks that output has been written: a failure from now on is reported, not retried.</summary>
        public void Commit() => IsCommitted = true;

        /// <summary>Data arrived: a stream only times out when it goes quiet for the whole timeout.</summary>
        public void DataArrived()
        {
            if (!_source.IsCancellationRequested)
            {
                _source.CancelAfter(_timeout);
            }
        }

        public void Dispose() => _source.Dispose();
    }
}
