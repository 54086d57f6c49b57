using System.Text;
using ImageEdit.Output;

namespace ImageEdit.Tests;

/// <summary>The run record: whole lines under concurrency, a line cut by a crash never breaking the next read.</summary>
public class RunRecordTests
{
    private static RecordEntry Entry(string key) => new() { Key = key, QuickKey = "q" + key, Prompt = "p", Time = DateTimeOffset.UtcNow };

    [Fact]
    public void Many_writers_append_whole_lines()
    {
        string folder = TestPaths.NewTempFolder();
        var writers = Enumerable.Range(0, 4).Select(_ => new RunRecord(folder)).ToList();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => writers[i % 4].Append(Entry("k" + i)));
        var lines = File.ReadAllLines(Path.Combine(folder, RunRecord.FileName));
        Assert.Equal(200, lines.Length);
        Assert.Equal(200, new RunRecord(folder).Entries.Select(e => e.Key).Distinct().Count());
    }

    [Fact]
    public void A_line_cut_short_by_a_crash_is_skipped_and_closed_before_the_next()
    {
        string folder = TestPaths.NewTempFolder();
        var record = new RunRecord(folder);
        record.Append(Entry("first"));
        File.AppendAllText(record.Path, "{\"v\":1,\"key\":\"half", Encoding.UTF8);
        new RunRecord(folder).Append(Entry("second"));
        var keys = new RunRecord(folder).Entries.Select(e => e.Key).ToList();
        Assert.Equal(new[] { "first", "second" }, keys);
        Assert.Equal(3, File.ReadAllLines(record.Path).Length);
    }

    [Fact]
    public void A_missing_record_is_empty()
    {
        Assert.Empty(new RunRecord(TestPaths.NewTempFolder()).Entries);
    }
}
