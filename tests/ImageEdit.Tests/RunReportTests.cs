using System.Text.RegularExpressions;
using ImageEdit.Output;
using ImageEdit.Report;

namespace ImageEdit.Tests;

/// <summary>The report page of an output folder: what it reads from the record, how it links images, and that text stays text.</summary>
public class RunReportTests
{
    private const string Sha = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

    private static string EditLine(string source, string name, string requestId, string prompt, string time, string extra = "") =>
        "{\"v\":1,\"time\":\"" + time + "\",\"key\":\"k" + requestId.Length + "\",\"quickKey\":\"q\",\"cmdlet\":\"Edit-Image\",\"endpoint\":\"e\",\"bodyForm\":\"multipart\"," +
        "\"model\":\"gpt-image-1\",\"prompt\":" + System.Text.Json.JsonSerializer.Serialize(prompt) + ",\"fields\":{\"quality\":\"low\",\"n\":1}," +
        "\"sources\":[{\"role\":\"image\",\"path\":" + System.Text.Json.JsonSerializer.Serialize(source) + "}]," +
        "\"files\":[{\"name\":\"" + name + "\",\"kind\":\"edited\",\"index\":0,\"length\":1,\"sha256\":\"" + Sha + "\"}]," +
        "\"requestId\":" + System.Text.Json.JsonSerializer.Serialize(requestId) + ",\"created\":1,\"usage\":{\"inputTokens\":10,\"outputTokens\":20,\"totalTokens\":30}" + extra + "}";

    private static string Failure(string source, string errorId, string time) =>
        "{\"type\":\"failure\",\"time\":\"" + time + "\",\"cmdlet\":\"Edit-Image\",\"source\":" + System.Text.Json.JsonSerializer.Serialize(source) +
        ",\"errorId\":\"" + errorId + "\",\"message\":\"The API refused <b>it</b>\"}";

    private static string Folder(params string[] lines)
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllLines(Path.Combine(folder, RunRecord.FileName), lines);
        return folder;
    }

    [Fact]
    public void Counts_tokens_and_costs_come_from_the_record_and_a_failure_a_later_run_fixed_is_not_shown()
    {
        string folder = Folder(
            EditLine("/in/a.png", "a-edited.png", "req_a", "p", "2026-01-01T00:00:02Z", ",\"cost\":0.25,\"attempts\":2"),
            Failure("/in/b.png", "RateLimited", "2026-01-01T00:00:01Z"),
            EditLine("/in/b.png", "b-edited.png", "req_b", "p", "2026-01-01T00:00:03Z", ",\"cost\":0.5"),
            Failure("/in/c.png", "InvalidImage", "2026-01-01T00:00:04Z"),
            Failure("/in/c.png", "InvalidImage", "2026-01-01T00:00:05Z"),
            "{\"type\":\"batch\",\"id\":\"batch_1\"}",
            "{\"v\":1,\"key\":\"half");
        var data = RunReportData.Read(folder, new HashSet<string> { "req_b" });
        Assert.Equal(new[] { "req_a", "req_b" }, data.Requests.Select(r => r.RequestId));
        Assert.Equal(1, data.Edited);
        Assert.Equal(1, data.ResumedCount);
        Assert.Equal(new[] { "/in/c.png" }, data.Failures.Select(f => f.Source));
        Assert.Equal(60, data.TotalTokens);
        Assert.Equal(0.75m, data.TotalCost);
        Assert.Equal(2, data.Requests[0].Attempts);
        string html = RunReportPage.Render(data, folder);
        Assert.Contains("data-total-cost=\"0.75\"", html);
        Assert.Contains("data-error-id=\"InvalidImage\"", html);
        Assert.Contains("data-request-id=\"req_a\"", html);
    }

    [Fact]
    public void Without_any_cost_the_total_is_a_dash_not_zero()
    {
        var data = RunReportData.Read(Folder(EditLine("/in/a.png", "a-edited.png", "req_a", "p", "2026-01-01T00:00:02Z")));
        Assert.Null(data.TotalCost);
        string html = RunReportPage.Render(data, data.Folder);
        Assert.Contains("data-total-cost=\"\">—<", html);
    }

    [Fact]
    public void Prompts_file_names_and_messages_are_text_never_markup()
    {
        string hostile = "<img src=x onerror=alert(1)></script><script>alert(2)</script>\" onmouseover=\"x' &amp;";
        string folder = Folder(
            EditLine("/in/<b>x</b>.png", "a-edited.png", "req_\"><i>", hostile, "2026-01-01T00:00:02Z"),
            Failure("/in/<img src=y>.png", "<InvalidImage>", "2026-01-01T00:00:03Z"));
        var data = RunReportData.Read(folder);
        Assert.Single(data.Requests);
        Assert.Single(data.Failures);
        string html = RunReportPage.Render(data, folder);
        string body = html.Substring(0, html.IndexOf("<script>", StringComparison.Ordinal));
        Assert.DoesNotContain("<img src=x", body);
        Assert.DoesNotContain("<img src=y", body);
        Assert.DoesNotContain("</script>", body);
        Assert.DoesNotContain("<b>", body);
        Assert.DoesNotContain("<i>", body);
        Assert.DoesNotContain("\" onmouseover", body);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", body);
        Assert.Single(Regex.Matches(html, "<script>"));
    }

    [Fact]
    public void Images_are_linked_relative_to_the_page_each_segment_encoded_and_lazy()
    {
        string root = TestPaths.NewTempFolder();
        Assert.Equal("out/a%20b%23c%3F.png", RunReportPage.RelativeLink(root, Path.Combine(root, "out", "a b#c?.png")));
        Assert.Equal("../../in/x%25.png", RunReportPage.RelativeLink(Path.Combine(root, "pages", "deep"), Path.Combine(root, "in", "x%.png")));
        Assert.Equal("x.png", RunReportPage.RelativeLink(root, Path.Combine(root, "x.png")));
        string folder = Folder(EditLine(Path.Combine(root, "in", "s.png"), "s-edited.png", "r", "p", "2026-01-01T00:00:02Z"));
        string html = RunReportPage.Render(RunReportData.Read(folder), Path.Combine(folder, "sub"));
        var sources = Regex.Matches(html, "<img [^>]*src=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, sources.Count);
        Assert.All(sources, s => Assert.DoesNotMatch("^(/|[a-z]+:)", s));
        Assert.Contains("../s-edited.png", sources);
        Assert.Equal(2, Regex.Matches(html, "loading=\"lazy\"").Count);
        Assert.DoesNotMatch("(?i)https?://", html);
    }

    [Fact]
    public void The_page_is_written_whole_over_the_one_before_and_returned()
    {
        string folder = Folder(EditLine("/in/a.png", "a-edited.png", "req_a", "p", "2026-01-01T00:00:02Z"));
        File.WriteAllText(Path.Combine(folder, RunReport.DefaultFileName), "old");
        var page = RunReport.Write(folder, null);
        Assert.Equal(Path.Combine(folder, RunReport.DefaultFileName), page.FullName);
        Assert.StartsWith("<!DOCTYPE html>", File.ReadAllText(page.FullName));
        Assert.Equal(new[] { RunRecord.FileName, RunReport.DefaultFileName }, Directory.GetFiles(folder).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void A_failure_line_is_never_a_result_to_resume_from()
    {
        string folder = TestPaths.NewTempFolder();
        var record = new RunRecord(folder);
        new FailureLine { Source = "/in/a.png", ErrorId = "Timeout", Message = "m", Time = DateTimeOffset.UtcNow }.TryAppendTo(record);
        Assert.Empty(new RunRecord(folder).Entries);
        Assert.Empty(new RunRecord(folder).StreamEntries());
        Assert.Single(new RunRecord(folder).ReadTyped<FailureLine>("failure"));
    }
}
