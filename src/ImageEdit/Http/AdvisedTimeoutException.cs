using System;

namespace ImageEdit.Http
{
    /// <summary>A timeout whose cause knows better advice than the general one (a stream that is not asked for again, an edit whose tries may all have been billed).</summary>
    internal sealed class AdvisedTimeoutException : TimeoutException
    {
        public AdvisedTimeoutException(string message, string advice, Exception inner) : base(message, inner)
        {
            Advice = advice;
        }

        public string Advice { get; }
    }
}
