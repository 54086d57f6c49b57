using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;

namespace ImageEdit.Report
{
    /// <summary>
    /// The report as one HTML page that works offline wherever it is saved: every image by a link relative to the page's
    /// folder (nothing copied or inlined, nothing from another host), loaded lazily; small inline CSS and script only.
    /// Everything from the record or a file name is HTML-encoded text, and the script sets only textContent, so a prompt
    /// or file name is never read as markup.
    /// </summary>
    internal static class RunReportPage
    {
        public static string Render(RunReportData data, string pageFolder)
        {
            var html = new StringBuilder(64 * 1024 + data.Requests.Count * 1024);
            decimal? totalCost = data.TotalCost;
            html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .Append("<title>ImageEdit report: ").Append(Encode(data.Folder)).Append("</title>\n<style>").Append(Css).Append("</style></head>\n<body>\n");
            html.Append("<header><h1>ImageEdit report</h1><p class=\"folder\">").Append(Encode(data.Folder)).Append("</p>\n<p class=\"counts\">")
                .Append("<span data-count=\"edited\">").Append(data.Edited.ToString(CultureInfo.InvariantCulture)).Append("</span> edited, ")
                .Append("<span data-count=\"failed\">").Append(data.Failures.Count.ToString(CultureInfo.InvariantCulture)).Append("</span> failed, ")
                .Append("<span data-count=\"resumed\">").Append(data.ResumedCount.ToString(CultureInfo.InvariantCulture)).Append("</span> resumed; ")
                .Append("<span data-total-tokens=\"").Append(data.TotalTokens.ToString(CultureInfo.InvariantCulture)).Append("\">")
                .Append(data.TotalTokens.ToString("N0", CultureInfo.InvariantCulture)).Append("</span> tokens; cost ")
                .Append("<span data-total-cost=\"").Append(totalCost?.ToString(CultureInfo.InvariantCulture) ?? "").Append("\">")
                .Append(Money(totalCost)).Append("</span>");
            if (totalCost.HasValue && data.WithoutCost > 0)
            {
                html.Append(" (").Append(data.WithoutCost.ToString(CultureInfo.InvariantCulture)).Append(" request(s) without a known cost)");
            }
            html.Append("</p>\n<form class=\"filters\" onsubmit=\"return false\"><label><input type=\"checkbox\" id=\"failed-only\"> failed only</label> ")
                .Append("<label>prompt <select id=\"prompt-filter\"><option value=\"\">all</option></select></label> ")
                .Append("<label>model <select id=\"model-filter\"><option value=\"\">all</option></select></label> ")
                .Append("<span id=\"shown\"></span></form></header>\n<main>\n");
            // One list, sorted by time: requests and failures as they happened.
            var items = data.Requests.Select(r => (r.Time, Html: (Action)(() => Request(html, r, pageFolder))))
                .Concat(data.Failures.Select(f => (f.Time, Html: (Action)(() => Failure(html, f, pageFolder)))))
                .OrderBy(i => i.Time).ToList();
            foreach (var item in items)
            {
                item.Html();
            }
            html.Append("</main>\n<script>").Append(Script).Append("</script>\n</body></html>\n");
            return html.ToString();
        }

        private static void Request(StringBuilder html, ReportRequest request, string pageFolder)
        {
            html.Append("<article class=\"request").Append(request.Resumed ? " resumed" : "").Append(request.BatchId != null ? " batch" : "")
                .Append("\" data-request-id=\"").Append(Encode(request.RequestId ?? "")).Append('"')
                .Append(" data-prompt=\"").Append(Encode(request.Prompt)).Append('"')
                .Append(" data-model=\"").Append(Encode(request.Model ?? "")).Append("\">\n<h2>");
            if (request.Resumed)
            {
                html.Append("<span class=\"mark\">resumed</span> ");
            }
            if (request.BatchId != null)
            {
                html.Append("<span class=\"mark\" title=\"").Append(Encode(request.BatchId)).Append("\">batch</span> ");
            }
            html.Append("<span class=\"source\">").Append(Encode(Path.GetFileName(request.SourcePath ?? request.Results[0].Label))).Append("</span></h2>\n<div class=\"images\">");
            foreach (var image in request.Sources.Concat(request.Results))
            {
                Image(html, image, pageFolder);
            }
            html.Append("</div>\n<dl>");
            Field(html, "prompt", request.Prompt);
            Field(html, "model", request.Model ?? "—");
            if (request.Fields.Count > 0)
            {
                Field(html, "fields", string.Join(", ", request.Fields.Select(f => f.Key + "=" + f.Value)));
            }
            Field(html, "tokens", request.TotalTokens is null ? "—"
                : $"{request.TotalTokens.Value.ToString("N0", CultureInfo.InvariantCulture)} ({(request.InputTokens ?? 0).ToString("N0", CultureInfo.InvariantCulture)} in, {(request.OutputTokens ?? 0).ToString("N0", CultureInfo.InvariantCulture)} out)");
            html.Append("<dt>cost</dt><dd data-cost=\"").Append(request.Cost?.ToString(CultureInfo.InvariantCulture) ?? "").Append("\">").Append(Money(request.Cost)).Append("</dd>");
            if (request.Attempts.HasValue)
            {
                Field(html, "attempts", request.Attempts.Value.ToString(CultureInfo.InvariantCulture));
            }
            Field(html, "time", Time(request.Time));
            Field(html, "request id", request.RequestId ?? "—");
            Field(html, "by", request.Cmdlet + (request.BatchId is null ? "" : " from " + request.BatchId));
            html.Append("</dl></article>\n");
        }

        private static void Failure(StringBuilder html, ReportFailure failure, string pageFolder)
        {
            html.Append("<article class=\"failure\" data-error-id=\"").Append(Encode(failure.ErrorId)).Append('"')
                .Append(" data-prompt=\"").Append(Encode(failure.Prompt ?? "")).Append('"')
                .Append(" data-model=\"").Append(Encode(failure.Model ?? "")).Append("\">\n<h2><span class=\"mark error\">failed</span> <span class=\"source\">")
                .Append(Encode(Path.GetFileName(failure.Source))).Append("</span></h2>\n<div class=\"images\">");
            if (failure.Source.Length > 0 && failure.Source.IndexOfAny(Path.GetInvalidPathChars()) < 0 && Path.IsPathRooted(failure.Source) && !failure.Source.Contains("://"))
            {
                Image(html, new ReportImage("image", failure.Source, failure.Source), pageFolder);
            }
            html.Append("</div>\n<dl>");
            Field(html, "error", failure.ErrorId);
            Field(html, "message", failure.Message);
            Field(html, "file", failure.Source);
            if (failure.Prompt != null)
            {
                Field(html, "prompt", failure.Prompt);
            }
            if (failure.Model != null)
            {
                Field(html, "model", failure.Model);
            }
            Field(html, "time", Time(failure.Time));
            if (failure.RequestId != null)
            {
                Field(html, "request id", failure.RequestId);
            }
            Field(html, "by", failure.Cmdlet + (failure.BatchId is null ? "" : " from " + failure.BatchId));
            html.Append("</dl></article>\n");
        }

        private static void Image(StringBuilder html, ReportImage image, string pageFolder)
        {
            html.Append("<figure class=\"").Append(Encode(image.Role)).Append("\">");
            if (image.Path != null)
            {
                string link = Encode(RelativeLink(pageFolder, image.Path));
                html.Append("<a href=\"").Append(link).Append("\"><img loading=\"lazy\" decoding=\"async\" src=\"").Append(link)
                    .Append("\" alt=\"").Append(Encode(image.Role + ": " + Path.GetFileName(image.Path))).Append("\"></a>");
            }
            else
            {
                html.Append("<div class=\"remote\">").Append(Encode(image.Label)).Append("</div>");
            }
            html.Append("<figcaption>").Append(Encode(image.Role)).Append(": ").Append(Encode(image.Path is null ? image.Label : Path.GetFileName(image.Path))).Append("</figcaption></figure>");
        }

        /// <summary>
        /// The link to <paramref name="target"/> from a page in <paramref name="pageFolder"/>: relative, each segment
        /// URL-encoded (a name with "#", "?", "%" or spaces stays one file). A file on another drive, which no relative path
        /// reaches, gets a file: URL.
        /// </summary>
        public static string RelativeLink(string pageFolder, string target)
        {
            var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            char[] separators = { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar };
            string[] from = Path.GetFullPath(pageFolder).Split(separators, StringSplitOptions.RemoveEmptyEntries);
            string[] to = Path.GetFullPath(target).Split(separators, StringSplitOptions.RemoveEmptyEntries);
            if (!string.Equals(Path.GetPathRoot(Path.GetFullPath(pageFolder)), Path.GetPathRoot(Path.GetFullPath(target)), comparison))
            {
                return new Uri(Path.GetFullPath(target)).AbsoluteUri;
            }
            int common = 0;
            while (common < from.Length && common < to.Length - 1 && string.Equals(from[common], to[common], comparison))
            {
                common++;
            }
            var segments = Enumerable.Repeat("..", from.Length - common).Concat(to.Skip(common).Select(Uri.EscapeDataString));
            return string.Join("/", segments);
        }

        private static void Field(StringBuilder html, string name, string value) =>
            html.Append("<dt>").Append(Encode(name)).Append("</dt><dd>").Append(Encode(value)).Append("</dd>");

        private static string Money(decimal? cost) => cost is null ? "—" : "$" + cost.Value.ToString("0.00####", CultureInfo.InvariantCulture);

        private static string Time(DateTimeOffset time) => time == DateTimeOffset.MinValue ? "—" : time.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

        /// <summary>HTML-encodes text for an element or a quoted attribute (&lt; &gt; &amp; " and ' included).</summary>
        public static string Encode(string text) => WebUtility.HtmlEncode(text);

        private const string Css =
            "body{font:14px system-ui,sans-serif;margin:0;background:#f4f4f4;color:#222}" +
            "header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:8px 16px;z-index:1}" +
            "h1{font-size:20px;margin:0}.folder{color:#666;margin:2px 0}.counts{font-size:16px;margin:4px 0}" +
            "main{padding:8px 16px}article{background:#fff;border:1px solid #ddd;border-radius:6px;margin:10px 0;padding:8px 12px}" +
            "article.failure{border-left:6px solid #c62828}article.resumed{border-left:6px solid #1565c0}article.batch{border-top:3px solid #6a1b9a}" +
            "h2{font-size:15px;margin:0 0 6px}.mark{background:#1565c0;color:#fff;border-radius:3px;padding:0 5px;font-size:12px}.mark.error{background:#c62828}" +
            ".images{display:flex;flex-wrap:wrap;gap:10px}figure{margin:0;text-align:center}" +
            "figure img{width:320px;height:320px;object-fit:contain;background:repeating-conic-gradient(#ddd 0 25%,#fff 0 50%) 0 0/16px 16px;border:1px solid #bbb}" +
            "figure.edited img,figure.partial img{border-color:#2e7d32}figcaption{font-size:12px;color:#555;max-width:320px;overflow-wrap:anywhere}" +
            ".remote{width:320px;padding:8px;overflow-wrap:anywhere;color:#555}" +
            "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 10px;margin:8px 0 0}dt{color:#666}dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}" +
            ".hidden{display:none}";

        // Fills the filters from the articles' data attributes (getAttribute gives back the decoded text; options get it
        // as textContent and value), and shows only the articles that match.
        private const string Script = @"(function(){
var items=Array.prototype.slice.call(document.querySelectorAll('main > article'));
function fill(id,attr){var sel=document.getElementById(id);var seen={};items.forEach(function(a){var v=a.getAttribute(attr);if(v&&!Object.prototype.hasOwnProperty.call(seen,v)){seen[v]=1;var o=document.createElement('option');o.value=v;o.textContent=v.length>80?v.slice(0,80)+'…':v;sel.appendChild(o);}});sel.addEventListener('change',apply);}
function apply(){var failed=document.getElementById('failed-only').checked;var p=document.getElementById('prompt-filter').value;var m=document.getElementById('model-filter').value;var n=0;
items.forEach(function(a){var show=(!failed||a.classList.contains('failure'))&&(!p||a.getAttribute('data-prompt')===p)&&(!m||a.getAttribute('data-model')===m);a.classList.toggle('hidden',!show);if(show)n++;});
document.getElementById('shown').textContent=n+' of '+items.length+' shown';}
fill('prompt-filter','data-prompt');fill('model-filter','data-model');document.getElementById('failed-only').addEventListener('change',apply);apply();})();";
    }
}
