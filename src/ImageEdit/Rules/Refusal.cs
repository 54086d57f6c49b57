using System.Globalization;
using System.Management.Automation;

namespace ImageEdit.Rules
{
    /// <summary>How the checks word a broken rule: a <see cref="LocalCheckException"/> with its ErrorId, category and fix.</summary>
    internal static class Refusal
    {
        public static LocalCheckException Argument(string id, object? target, string message, string action) =>
            new LocalCheckException(id, ErrorCategory.InvalidArgument, target, message, action);

        public static LocalCheckException Data(string id, object? target, string message, string action) =>
            new LocalCheckException(id, ErrorCategory.InvalidData, target, message, action);

        public static string Megabytes(long bytes) => (bytes / 1024.0 / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
    }
}
