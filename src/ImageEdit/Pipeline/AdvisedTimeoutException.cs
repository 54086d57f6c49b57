using System;

namespace ImageEdit.Pipeline
{
    /// <summary>A timeout whose cause knows better advice than the general one (a stream that is not asked for again).</summary>
    internal sealed class AdvisedTimeoutException : TimeoutException
    {
        public AdvisedTimeoutException(string message, string advice, Exception inner) : base(message, inner)
        {
            Advice = advice;
        }

        public string Advice { get; }
    }
}
