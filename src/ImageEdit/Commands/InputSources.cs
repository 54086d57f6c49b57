using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using ImageEdit.Pipeline;
using ImageEdit.Requests;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// The inputs of one pipeline record as image sources: files from -Path or -LiteralPath (resolved like the built-in
    /// cmdlets), URLs from -ImageUrl, or file IDs from -FileId. One kind per record; each value is one request.
    /// </summary>
    internal sealed class InputSources
    {
        private readonly PSCmdlet _cmdlet;
        private readonly InputPathResolver _resolver;

        public InputSources(PSCmdlet cmdlet, InputPathResolver resolver)
        {
            _cmdlet = cmdlet;
            _resolver = resolver;
        }

        /// <summary>The files of a command that takes only paths (Add-ImageEditFile).</summary>
        public IEnumerable<ResolvedSource> ResolvePaths(string[]? literalPaths, string[]? paths) => Resolve(literalPaths, paths, null, null, pathsOnly: true);

        public IEnumerable<ResolvedSource> Resolve(string[]? literalPaths, string[]? paths, string[]? urls, string[]? fileIds, bool pathsOnly = false)
        {
            // A row without a path column bound -Path to a marker (see PipedItemPathAttribute): it gives no path.
            if (paths?.FirstOrDefault(PipedItemPathAttribute.IsRowWithBothPaths) is { } rowWithBoth)
            {
                string row = PipedItemPathAttribute.DescribeRow(rowWithBoth);
                yield return Failed(new LocalCheckException("AmbiguousImageInput", ErrorCategory.InvalidArgument, row,
                    $"The input {row} has both a Path and a LiteralPath value; each input names its image one way.", "Leave one of the two columns empty in this row."));
                yield break;
            }
            string? rowWithoutPath = paths?.FirstOrDefault(PipedItemPathAttribute.IsRowWithoutPath);
            paths = paths?.Where(p => !PipedItemPathAttribute.IsRowWithoutPath(p)).ToArray();
            var kinds = new[]
            {
                (Name: "-LiteralPath", Values: literalPaths),
                (Name: "-Path", Values: paths),
                (Name: "-ImageUrl", Values: urls),
                (Name: "-FileId", Values: fileIds),
            }.Where(k => k.Values != null && k.Values.Length > 0).ToList();

            if (kinds.Count == 0)
            {
                yield return Failed(NoImageGiven(rowWithoutPath is null ? "" : PipedItemPathAttribute.DescribeRow(rowWithoutPath), pathsOnly));
                yield break;
            }
            if (kinds.Count > 1)
            {
                yield return Failed(new LocalCheckException("AmbiguousImageInput", ErrorCategory.InvalidArgument, kinds[0].Values![0],
                    $"Both {kinds[0].Name} and {kinds[1].Name} name images to edit; each request edits one kind of input.",
                    "Give one of -Path, -LiteralPath, -ImageUrl or -FileId (reference images go in -ReferencePath, -ReferenceUrl or -ReferenceFileId). With -ImageUrl or -FileId, name -Prompt."));
                yield break;
            }
            var (name, values) = kinds[0];
            foreach (string value in values!)
            {
                switch (name)
                {
                    case "-ImageUrl":
                        yield return new ResolvedSource(ImageSource.Url(value), null);
                        break;
                    case "-FileId":
                        yield return new ResolvedSource(ImageSource.FileId(value), null);
                        break;
                    default:
                        foreach (var resolved in _resolver.ResolveInput(value, literal: name == "-LiteralPath"))
                        {
                            if (resolved.Path != null && string.Equals(System.IO.Path.GetFileName(resolved.Path), Output.RunRecord.FileName, System.StringComparison.OrdinalIgnoreCase))
                            {
                                // "Get-ChildItem $out | Edit-Image ...": the folder's own run record is not an image to edit.
                                _cmdlet.WriteVerbose($"Skipped {resolved.Path}: it is a run record, not an image.");
                                continue;
                            }
                            yield return resolved.Error != null ? new ResolvedSource(null, resolved.Error) : new ResolvedSource(ImageSource.File(resolved.Path!), null);
                        }
                        break;
                }
            }
        }

        /// <summary>
        /// An input that names no image: every one of its Path, LiteralPath (and, where the command takes them, ImageUrl and
        /// FileId) values is null, empty or missing. <paramref name="row"/> is the row's text, or empty.
        /// </summary>
        private static LocalCheckException NoImageGiven(string row, bool pathsOnly)
        {
            string columns = pathsOnly ? "Path or LiteralPath" : "Path, LiteralPath, ImageUrl or FileId";
            string what = row.Length == 0 ? $"No image was given (the input's {columns} values are all empty or missing)"
                : $"The input {row} has no {columns} value";
            return new LocalCheckException("NoImageGiven", ErrorCategory.InvalidArgument, row.Length == 0 ? null : row, what + ", so there is nothing to " + (pathsOnly ? "upload." : "edit."),
                pathsOnly ? "Pass -Path or -LiteralPath (or pipe files, or rows with one of those columns)."
                    : "Pass -Path, -LiteralPath, -ImageUrl or -FileId (or pipe files, or rows with one of those columns).");
        }

        /// <summary>The mask from whichever of -Mask, -MaskUrl and -MaskFileId was given (at most one).</summary>
        public static ImageSource? OneMask(InputPathResolver resolver, string? path, string? url, string? fileId) => OneImage(resolver, "Mask", "mask", path, url, fileId);

        /// <summary>The markup image from whichever of -Markup, -MarkupUrl and -MarkupFileId was given (at most one).</summary>
        public static ImageSource? OneMarkup(InputPathResolver resolver, string? path, string? url, string? fileId) => OneImage(resolver, "Markup", "markup image", path, url, fileId);

        /// <summary>The one image that -<paramref name="parameter"/>, -...Url or -...FileId names (at most one of them is given).</summary>
        private static ImageSource? OneImage(InputPathResolver resolver, string parameter, string what, string? path, string? url, string? fileId)
        {
            int given = (path != null ? 1 : 0) + (url != null ? 1 : 0) + (fileId != null ? 1 : 0);
            if (given > 1)
            {
                throw new LocalCheckException("Ambiguous" + parameter, ErrorCategory.InvalidArgument, path ?? url,
                    $"More than one of -{parameter}, -{parameter}Url and -{parameter}FileId was given; a request has one {what}.", "Give only one of them.");
            }
            return path != null ? ImageSource.File(resolver.ResolveOne(path, parameter))
                : url != null ? ImageSource.Url(url)
                : fileId != null ? ImageSource.FileId(fileId)
                : null;
        }

        private static ResolvedSource Failed(LocalCheckException error) => new ResolvedSource(null, ErrorRecordFactory.Create(error, error.Target));
    }

    /// <summary>One input: the image source, or the error that explains why it is not one.</summary>
    internal sealed class ResolvedSource
    {
        public ResolvedSource(ImageSource? source, ErrorRecord? error)
        {
            Source = source;
            Error = error;
        }

        public ImageSource? Source { get; }
        public ErrorRecord? Error { get; }
    }
}
