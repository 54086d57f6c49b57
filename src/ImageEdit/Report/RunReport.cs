using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using ImageEdit.Output;

namespace ImageEdit.Report
{
    /// <summary>Writes the report of an output folder: read its record, render the page, and put it in place whole.</summary>
    internal static class RunReport
    {
        public const string DefaultFileName = "imageedit-report.html";

        /// <summary>
        /// Writes the report of <paramref name="folder"/> to <paramref name="outFile"/> (by default imageedit-report.html in
        /// the folder): into a temporary file beside it, then renamed over it, so a reader never sees half a page and a
        /// failed write leaves the page before it as it was.
        /// </summary>
        public static FileInfo Write(string folder, string? outFile, ISet<string>? resumedRequestIds = null)
        {
            string target = Path.GetFullPath(outFile ?? Path.Combine(folder, DefaultFileName));
            string pageFolder = Path.GetDirectoryName(target)!;
            var data = RunReportData.Read(folder, resumedRequestIds);
            string html = RunReportPage.Render(data, pageFolder);
            Directory.CreateDirectory(pageFolder);
            string temporary = Path.Combine(pageFolder, "." + Path.GetFileName(target) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                File.WriteAllText(temporary, html, new UTF8Encoding(false));
                NameClaim.Replace(temporary, target);
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
            return new FileInfo(target);
        }
    }
}
