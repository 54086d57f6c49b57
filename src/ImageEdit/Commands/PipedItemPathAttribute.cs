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
            if (value is string blank && blank.Trim().Length == 0)
            {
                // An empty Path cell (a CSV mixing Path rows with ImageUrl or FileId rows): no path from this row.
                return RowWithoutPathMarker;
            }
            if (value is FileSystemInfo item)
            {
                return QualifiedEscapedPath(item);
            }
            if (inputData is PSObject row && !(value is string) && !(value is System.Collections.IEnumerable))
            {
                // A row that names its image by LiteralPath or PSPath binds that literally; a row with no path at all (an
                // ImageUrl or FileId row, or an Add-ImageEditFile result) binds a marker that means "no path", so that
                // PowerShell does not turn the whole row into a string for -Path.
                return LiteralPathOfRow(row) ?? (row.Properties["Path"] is null && row.Properties["FullName"] is null ? RowWithoutPathMarker + row : inputData);
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

        /// <summary>
        /// A row (Import-Csv, ConvertFrom-Json, Select-Object) with a LiteralPath or PSPath column and no Path column: its path
        /// is taken literally, its wildcard characters escaped, so that names with [brackets] are found. (PowerShell's binder
        /// would otherwise turn the whole row into a string for -Path.) The row's other columns still bind as fields.
        /// </summary>
        private static string? LiteralPathOfRow(PSObject row)
        {
            if (row.Properties["Path"] != null || row.Properties["FullName"] != null)
            {
                return null;
            }
            string? literal = (row.Properties["LiteralPath"] ?? row.Properties["PSPath"] ?? row.Properties["LP"])?.Value?.ToString();
            if (string.IsNullOrWhiteSpace(literal))
            {
                return null;
            }
            if (literal!.StartsWith(FileSystemQualifier, System.StringComparison.OrdinalIgnoreCase))
            {
                literal = literal.Substring(FileSystemQualifier.Length);
            }
            return WildcardPattern.Escape(literal);
        }

        /// <summary>The start of the marker -Path binds for a row with no path: ProcessRecord reads it as "no path given".</summary>
        internal const string RowWithoutPathMarker = "\u0000row-without-path:";

        internal static bool IsRowWithoutPath(string path) => path.StartsWith(RowWithoutPathMarker, System.StringComparison.Ordinal);

        /// <summary>How an error names a row that had no path: the row's text.</summary>
        internal static string DescribeRow(string marker) => marker.Substring(RowWithoutPathMarker.Length);

        internal static bool IsPipedItemPath(string path) => path.StartsWith(FileSystemQualifier, System.StringComparison.OrdinalIgnoreCase);

        private static string QualifiedEscapedPath(FileSystemInfo item) => FileSystemQualifier + WildcardPattern.Escape(item.FullName);
    }
}
