using System;

namespace ImageEdit.Http
{
    /// <summary>A 2xx answer that could not be used (cut short mid-body, say) and may be asked for again.</summary>
    internal sealed class TransientAnswerException : Exception
    {
        public TransientAnswerException(string message, Exception? inner = null, Exception? finalError = null) : base(message, inner)
        {
            FinalError = finalError;
        }

        /// <summary>The error to report when no try does better, instead of a connection failure.</summary>
        public Exception? FinalError { get; }
    }
}
