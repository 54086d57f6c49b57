using System;
using System.Management.Automation;

namespace ImageEdit.Rules
{
    /// <summary>
    /// Something found wrong before any byte was sent: it names its stable ErrorId, its category, the offending
    /// path or value, and how to fix it.
    /// </summary>
    public sealed class LocalCheckException : Exception
    {
        public LocalCheckException(string errorId, ErrorCategory category, object? target, string message, string? recommendedAction = null)
            : base(message)
        {
            ErrorId = errorId;
            Category = category;
            Target = target;
            RecommendedAction = recommendedAction;
        }

        public string ErrorId { get; }
        public ErrorCategory Category { get; }
        public object? Target { get; }
        public string? RecommendedAction { get; }
    }
}
