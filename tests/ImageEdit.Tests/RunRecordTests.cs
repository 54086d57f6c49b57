using System.Text;
using ImageEdit.Output;

namespace ImageEdit.Tests;

/// <summary>The run record: whole lines under concurrency, a line cut by a crash never breaking the next read.</summary>
public class RunRecordTests
{
    private static RecordEntry Entry(string key) => new()
    {
        Key = key, QuickKey = "q" + key, Prompt = "p", Time = DateTimeOffset.UtcNow,
        Files = { new RecordFile { Name = key + "-edited.png", Kind = "edited", Length = 1, Sha256 = new string('a', 64) } },
    };

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

    [Theory]
    [InlineData("{\"v\":1,\"key\":\"k\",\"files\":null}")]
    [InlineData("{\"v\":1,\"key\":\"k\",\"sources\":[],\"files\":[{\"name\":\"../x.png\",\"kind\":\"edited\",\"sha256\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}")]
    [InlineData("{\"v\":1,\"key\":\"k\",\"sources\":[],\"created\":99999999999999,\"files\":[{\"name\":\"x.png\",\"kind\":\"edited\",\"sha256\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}")]
    [InlineData("{\"v\":1,\"key\":\"k\",\"sources\":[],\"files\":[{\"name\":\"x-partial-0.png\",\"kind\":\"partial\",\"sha256\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}]}")]
    public void Lines_edited_by_hand_into_nonsense_are_skipped(string line)
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, RunRecord.FileName), line + "\n");
        Assert.Empty(new RunRecord(folder).Entries);
    }

    [Fact]
    public void A_missing_record_is_empty()
    {
        Assert.Empty(new RunRecord(TestPaths.NewTempFolder()).Entries);
    }
}
