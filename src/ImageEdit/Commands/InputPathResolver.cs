using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using ImageEdit.Pipeline;
using Microsoft.PowerShell.Commands;
using ImageEdit.Rules;

namespace ImageEdit.Commands
{
    /// <summary>
    /// Resolves paths as the built-in cmdlets do: through the provider, wildcards for -Path, literally for
    /// -LiteralPath, relative to the current location, and only on the FileSystem provider.
    /// </summary>
    internal sealed class InputPathResolver
    {
        private readonly PSCmdlet _cmdlet;

        public InputPathResolver(PSCmdlet cmdlet)
        {
            _cmdlet = cmdlet;
        }

        /// <summary>One input, expanded; each result is either a file path or the error that explains why it is not one.</summary>
        public IEnumerable<ResolvedInput> ResolveInput(string input, bool literal)
        {
            IReadOnlyList<string> paths;
            try
            {
                paths = Resolve(input, literal, "Path");
            }
            catch (LocalCheckException ex)
            {
                return new[] { new ResolvedInput(null, ErrorRecordFactory.Create(ex, ex.Target)) };
            }
            var results = new List<ResolvedInput>(paths.Count);
            foreach (var path in paths)
            {
                results.Add(Directory.Exists(path)
                    ? new ResolvedInput(null, ErrorRecordFactory.Create(new LocalCheckException("PathIsDirectory", ErrorCategory.InvalidArgument, path,
                        $"{path} is a folder, not an image file.", "Pass image files, e.g. Get-ChildItem <folder> -File."), path))
                    : new ResolvedInput(path, null));
            }
            return results;
        }

        /// <summary>Every file a list of possibly wildcarded paths names (for -ReferencePath).</summary>
        public IReadOnlyList<string> ResolveMany(string[]? inputs, string parameter)
        {
            var all = new List<string>();
            foreach (var input in inputs ?? Array.Empty<string>())
            {
                if (string.IsNullOrWhiteSpace(input)) continue;
                foreach (var path in Resolve(input, literal: false, parameter))
                {
                    RequireFile(path, parameter);
                    all.Add(path);
                }
            }
            return all;
        }

        /// <summary>A path that must name exactly one file (for -Mask).</summary>
        public string ResolveOne(string input, string parameter)
        {
            var paths = Resolve(input, literal: false, parameter);
            if (paths.Count != 1)
            {
                throw new LocalCheckException("AmbiguousPath", ErrorCategory.InvalidArgument, input,
                    $"-{parameter} '{input}' matches {paths.Count} files; it must name exactly one.", $"Give -{parameter} a single file.");
            }
            RequireFile(paths[0], parameter);
            return paths[0];
        }

        private IReadOnlyList<string> Resolve(string input, bool literal, string parameter)
        {
            var sessionPath = _cmdlet.SessionState.Path;
            ProviderInfo provider;
            var results = new List<string>();
            try
            {
                if (literal)
                {
                    string path = sessionPath.GetUnresolvedProviderPathFromPSPath(input, out provider, out _);
                    RequireFileSystem(provider, input);
                    if (!File.Exists(path) && !Directory.Exists(path))
                    {
                        throw NotFound(input, parameter, literal);
                    }
                    results.Add(path);
                }
                else
                {
                    var matches = sessionPath.GetResolvedProviderPathFromPSPath(input, out provider);
                    RequireFileSystem(provider, input);
                    results.AddRange(matches);
                    if (results.Count == 0)
                    {
                        throw NotFound(input, parameter, literal);
                    }
                }
            }
            catch (ItemNotFoundException)
            {
                throw NotFound(input, parameter, literal);
            }
            catch (System.Management.Automation.DriveNotFoundException ex)
            {
                throw new LocalCheckException("PathNotFound", ErrorCategory.ObjectNotFound, input, ex.Message, null);
            }
            return results;
        }

        private static void RequireFile(string path, string parameter)
        {
            if (Directory.Exists(path))
            {
                throw new LocalCheckException("PathIsDirectory", ErrorCategory.InvalidArgument, path,
                    $"-{parameter} {path} is a folder, not an image file.", $"Give -{parameter} image files.");
            }
        }

        private static void RequireFileSystem(ProviderInfo provider, string input)
        {
            if (provider.ImplementingType != typeof(FileSystemProvider))
            {
                throw new LocalCheckException("NotAFileSystemPath", ErrorCategory.InvalidArgument, input,
                    $"'{input}' is on the {provider.Name} provider; only files on the FileSystem provider can be sent.", "Pass a file path.");
            }
        }

        /// <summary>A path as a person wrote it: without the provider prefix a piped file carries, and without its wildcard escapes.</summary>
        internal static string Readable(string input) =>
            PipedItemPathAttribute.IsPipedItemPath(input) ? WildcardPattern.Unescape(input.Substring(PipedItemPathAttribute.FileSystemQualifier.Length)) : input;

        private static LocalCheckException NotFound(string input, string parameter, bool literal) =>
            new LocalCheckException("PathNotFound", ErrorCategory.ObjectNotFound, Readable(input),
                $"Cannot find {(parameter == "Path" ? "the file" : "the -" + parameter + " file")} '{Readable(input)}'.",
                parameter != "Path"
                    ? $"Check the path. -{parameter} is read as a wildcard pattern: for a name with [brackets], pass the file as Get-Item -LiteralPath <path> (a FileInfo binds by its exact path)."
                    : literal || !WildcardPattern.ContainsWildcardCharacters(input)
                    ? "Check the path" + (LooksLikeUrl(input) ? "; for an image on the web use -ImageUrl." : "; for a name with [brackets] use -LiteralPath.")
                    : "It was read as a wildcard pattern and matched no file. For a name with [brackets] use -LiteralPath (in a CSV, a LiteralPath column instead of Path).");

        private static bool LooksLikeUrl(string input) =>
            input.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || input.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || input.StartsWith("data:", StringComparison.OrdinalIgnoreCase);
    }

    internal sealed class ResolvedInput
    {
        public ResolvedInput(string? path, ErrorRecord? error)
        {
            Path = path;
            Error = error;
        }

        public string? Path { get; }
        public ErrorRecord? Error { get; }
    }
}
