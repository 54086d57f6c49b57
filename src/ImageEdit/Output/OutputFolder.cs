using System;
using System.IO;
using System.Management.Automation;
using ImageEdit.Pipeline;
using ImageEdit.Rules;

namespace ImageEdit.Output
{
    /// <summary>
    /// Checks -OutputDirectory before anything is sent, so that a wrong folder costs nothing: <see cref="Inspect"/> looks
    /// without changing anything (it runs under -WhatIf too); <see cref="Prepare"/> creates the folder, proves that a
    /// file can be created in it, and deletes the temporary files a killed run left there.
    /// </summary>
    internal static class OutputFolder
    {
        public const string ErrorId = "OutputDirectoryNotUsable";

        /// <summary>Null when the folder exists, or when nothing stands in the way of creating it.</summary>
        public static LocalCheckException? Inspect(string folder)
        {
            if (File.Exists(folder))
            {
                return Unusable(folder, "it is a file, not a folder");
            }
            for (string? parent = Path.GetDirectoryName(folder); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
            {
                if (File.Exists(parent))
                {
                    return Unusable(folder, $"{parent} is a file, so no folder can be created inside it");
                }
                if (Directory.Exists(parent))
                {
                    break;
                }
            }
            return null;
        }

        /// <summary>Creates the folder when missing and creates and deletes a probe file in it.</summary>
        public static LocalCheckException? Prepare(string folder)
        {
            var inspected = Inspect(folder);
            if (inspected != null)
            {
                return inspected;
            }
            string probe = Path.Combine(folder, $".imageedit-probe-{Guid.NewGuid():N}.tmp");
            try
            {
                Directory.CreateDirectory(folder);
                using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                }
                TemporaryFiles.DeleteLeftOver(folder);
                return null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is NotSupportedException || ex is ArgumentException)
            {
                return Unusable(folder, ex.Message);
            }
        }

        /// <summary>
        /// An input left out because the folder stopped taking this command's files (<paramref name="why"/>): what became
        /// of the input, and what to do, depend on the command.
        /// </summary>
        public static LocalCheckException StoppedTakingFiles(string folder, string why, string whatBecameOfIt, string advice) =>
            new LocalCheckException(ErrorId, ErrorCategory.WriteError, folder,
                $"-OutputDirectory '{folder}' stopped taking files during this run ({why.TrimEnd().TrimEnd('.')}), so {whatBecameOfIt}", advice);

        public static LocalCheckException Unusable(string folder, string why) =>
            new LocalCheckException(ErrorId, ErrorCategory.WriteError, folder,
                $"-OutputDirectory '{folder}' cannot take the results: {why.TrimEnd().TrimEnd('.')}. Nothing was sent.",
                "Pass -OutputDirectory a folder you can write to (it is created if missing).");
    }
}
