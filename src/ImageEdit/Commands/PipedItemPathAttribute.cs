using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace ImageEdit.Commands
{
    /// <summary>
    /// A FileInfo piped into -Path would otherwise be coerced to its full name and expanded as a wildcard, so a file
    /// named "cat [1].png" could not be found. This turns a file-system item into its provider-qualified path with the
    /// wildcard characters escaped: it resolves to exactly that item, and marks the input as a piped item. A piped row
    /// binds here whole, and gives its path columns (see PathsOfRow).
    /// </summary>
    internal sealed class PipedItemPathAttribute : ArgumentTransformationAttribute
    {
        internal const string FileSystemQualifier = @"Microsoft.PowerShell.Core\FileSystem::";

        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string blank && blank.Trim().Length == 0)
            {
                // An empty Path argument: no path given.
                return new[] { RowWithoutPathMarker };
            }
            if (value is FileSystemInfo item)
            {
                return QualifiedEscapedPath(item);
            }
            if (inputData is PSObject row && !(value is string) && !(value is System.Collections.IEnumerable))
            {
                return PathsOfRow(row);
            }
            return PathsOf(inputData);
        }

        /// <summary>
        /// A row (Import-Csv, ConvertFrom-Json, Select-Object) binds here as a whole, before PowerShell would bind its Path or
        /// LiteralPath column by name: a null or empty cell there would fail the row in validation, and a LiteralPath
        /// column would choose the LiteralPath parameter set even when it is empty and Path is not. So the row's paths are
        /// taken here: its Path (or FullName) as a wildcard pattern, like -Path; else its LiteralPath (or PSPath) literally,
        /// its wildcard characters escaped so that names with [brackets] are found; else a marker that means "no path"
        /// (an ImageUrl or FileId row, or an Add-ImageEditFile result). The row's other columns still bind as fields.
        /// </summary>
        private static object PathsOfRow(PSObject row)
        {
            var paths = CellValues(row, "Path", "FullName");
            var literals = CellValues(row, "LiteralPath", "PSPath", "LP");
            if (paths != null && literals != null)
            {
                // Both kinds given: refused by InputSources (AmbiguousImageInput), as -Path with -LiteralPath is.
                return new[] { RowWithBothPathsMarker + row };
            }
            if (paths != null)
            {
                return paths.Select(p => p is FileSystemInfo pathItem ? QualifiedEscapedPath(pathItem) : p.ToString()!).ToArray();
            }
            if (literals != null)
            {
                var escaped = new string[literals.Count];
                for (int i = 0; i < literals.Count; i++)
                {
                    string literal = literals[i] is FileSystemInfo literalItem ? literalItem.FullName : literals[i].ToString()!;
                    if (literal.StartsWith(FileSystemQualifier, System.StringComparison.OrdinalIgnoreCase))
                    {
                        literal = literal.Substring(FileSystemQualifier.Length);
                    }
                    escaped[i] = WildcardPattern.Escape(literal);
                }
                return escaped;
            }
            return new[] { RowWithoutPathMarker + row };
        }

        /// <summary>The non-empty values of the first of these columns the row has with any, or null when none has one.</summary>
        private static List<object>? CellValues(PSObject row, params string[] columns)
        {
            foreach (string column in columns)
            {
                object? cell = row.Properties[column]?.Value;
                cell = cell is PSObject wrappedCell ? wrappedCell.BaseObject : cell;
                var values = new List<object>();
                foreach (object? element in cell is IEnumerable list && !(cell is string) ? list : new[] { cell })
                {
                    object? inner = element is PSObject innerWrapped ? innerWrapped.BaseObject : element;
                    if (inner != null && !(inner is string text && text.Trim().Length == 0))
                    {
                        values.Add(inner);
                    }
                }
                if (values.Count > 0)
                {
                    return values;
                }
            }
            return null;
        }

        /// <summary>Paths as given, except that a file-system item becomes its exact, escaped path; an array stays an array.</summary>
        private static object? PathsOf(object? input)
        {
            object? value = input is PSObject wrapped ? wrapped.BaseObject : input;
            if (!(value is IEnumerable list) || value is string)
            {
                return input;
            }
            var paths = new List<object?>();
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
            return changed ? paths.ToArray() : input;
        }

        /// <summary>The start of the marker -Path binds for a row with no path: ProcessRecord reads it as "no path given".</summary>
        internal const string RowWithoutPathMarker = "\u0000row-without-path:";

        internal static bool IsRowWithoutPath(string path) => path.StartsWith(RowWithoutPathMarker, System.StringComparison.Ordinal);

        /// <summary>The start of the marker -Path binds for a row with both a Path and a LiteralPath value, which names no one image.</summary>
        internal const string RowWithBothPathsMarker = "\u0000row-with-path-and-literal-path:";

        internal static bool IsRowWithBothPaths(string path) => path.StartsWith(RowWithBothPathsMarker, System.StringComparison.Ordinal);

        /// <summary>How an error names a row that a marker stands for: the row's text.</summary>
        internal static string DescribeRow(string marker) => marker.Substring(marker.IndexOf(':') + 1);

        internal static bool IsPipedItemPath(string path) => path.StartsWith(FileSystemQualifier, System.StringComparison.OrdinalIgnoreCase);

        private static string QualifiedEscapedPath(FileSystemInfo item) => FileSystemQualifier + WildcardPattern.Escape(item.FullName);
    }
}
