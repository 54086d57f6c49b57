using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace ImageEdit.Commands
{
    /// <summary>
    /// A FileInfo piped into -Path would otherwise be coerced to its full name and expanded as a wildcard, so a file
    /// named "cat [1].png" could not be found. This turns a file-system item into its provider-qualified path with the
    /// wildcard characters escaped: it resolves to exactly that item, and marks the input as a piped item.
    /// </summary>
    internal sealed class PipedItemPathAttribute : ArgumentTransformationAttribute
    {
        internal const string FileSystemQualifier = @"Microsoft.PowerShell.Core\FileSystem::";

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is FileSystemInfo item)
            {
                return QualifiedEscapedPath(item);
            }
            if (value is IList list && !(value is string))
            {
                var paths = new List<object?>(list.Count);
                bool changed = false;
                foreach (var element in list)
                {
                    object? inner = element is PSObject innerWrapped ? innerWrapped.BaseObject : element;
                    if (inner is FileSystemInfo innerItem)
                    {
                        paths.Add(QualifiedEscapedPath(innerItem));
                        changed = true;
                    }
                    else
                    {
                        paths.Add(element);
                    }
                }
                return changed ? paths.ToArray() : inputData;
            }
            return inputData;
        }

        internal static bool IsPipedItemPath(string path) => path.StartsWith(FileSystemQualifier, System.StringComparison.OrdinalIgnoreCase);

        private static string QualifiedEscapedPath(FileSystemInfo item) => FileSystemQualifier + WildcardPattern.Escape(item.FullName);
    }
}
