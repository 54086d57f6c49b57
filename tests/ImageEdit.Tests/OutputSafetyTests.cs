using System.Collections.Concurrent;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Text;
using ImageEdit.Models;
using ImageEdit.Output;
using ImageEdit.Pipeline;

namespace ImageEdit.Tests;

/// <summary>The saving promises: no name claimed twice under a race, names that fit, no paid image lost, B64Json honest.</summary>
public class OutputSafetyTests
{
    internal static byte[] Png(int seed)
    {
        // A PNG signature followed by bytes unique to the writer, so that each file's owner can be told from its bytes.
        var bytes = new byte[64 + seed % 7];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(bytes, 0);
        BitConverter.GetBytes(seed).CopyTo(bytes, 8);
        return bytes;
    }

    internal static string Base64Utf8(byte[] bytes) => Convert.ToBase64String(bytes);

    [Fact]
    public void Many_writers_racing_for_one_name_each_get_their_own_file_with_their_own_bytes()
    {
        for (int trial = 0; trial < 40; trial++)
        {
            string folder = TestPaths.NewTempFolder();
            var writer = new ImageFileWriter(folder, force: false);
            const int writers = 12;
            var results = new ConcurrentDictionary<int, SavedImage>();
            var start = new Barrier(writers);
            var threads = Enumerable.Range(0, writers).Select(i => new Thread(() =>
            {
                using var file = writer.Begin(new OutputName("img", "-edited"));
                file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(trial * 100 + i))), isFinal: true);
                start.SignalAndWait();
                results[i] = file.Commit();
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            Assert.Equal(writers, results.Values.Select(r => r.Path).Distinct().Count());
            foreach (var (i, saved) in results)
            {
                Assert.Null(saved.Failure);
                Assert.Equal(Png(trial * 100 + i), File.ReadAllBytes(saved.Path!));
            }
            Assert.Equal(writers, Directory.GetFiles(folder).Length);
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_name_taken_by_another_process_is_never_replaced()
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, "cat-edited.png"), "someone else's");
        using var file = new ImageFileWriter(folder, force: false).Begin(new OutputName("cat", "-edited"));
        file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(1))), isFinal: true);
        var saved = file.Commit();
        Assert.Equal(Path.Combine(folder, "cat-edited (2).png"), saved.Path);
        Assert.Equal("someone else's", File.ReadAllText(Path.Combine(folder, "cat-edited.png")));
    }

    [Fact]
    public void A_base_name_that_fits_is_saved_whole_and_one_too_long_is_shortened_to_fit()
    {
        string folder = TestPaths.NewTempFolder();
        string fits = new string('a', 215) + "-edited";
        using (var file = new ImageFileWriter(folder, false).Begin(new OutputName(new string('a', 215), "-edited")))
        {
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(2))), isFinal: true);
            Assert.Equal(fits + ".png", Path.GetFileName(file.Commit().Path));
        }
        var tooLong = new OutputName(new string('é', 200), "-edited-2");
        using (var file = new ImageFileWriter(folder, false).Begin(tooLong))
        {
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(3))), isFinal: true);
            string name = Path.GetFileName(file.Commit().Path!);
            Assert.True(Encoding.UTF8.GetByteCount(name) <= 255);
            Assert.StartsWith(new string('é', 50), name);
            // The suffix that tells a source's images apart is kept whole.
            Assert.EndsWith("-edited-2.png", name);
        }
        // Ten more with the longest name still fit with their counters.
        for (int i = 0; i < 10; i++)
        {
            using var file = new ImageFileWriter(folder, false).Begin(tooLong);
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(4 + i))), isFinal: true);
            Assert.NotNull(file.Commit().Path);
        }
    }

    [Fact]
    public void An_image_whose_folder_vanished_mid_write_is_kept_in_memory_with_the_reason()
    {
        string folder = TestPaths.NewTempFolder();
        var bytes = Png(5);
        using var file = new ImageFileWriter(folder, false).Begin(new OutputName("gone", "-edited"));
        Directory.Delete(folder, recursive: true);
        File.WriteAllText(folder, "now a file");
        file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(bytes)), isFinal: true);
        var saved = file.Commit();
        Assert.Null(saved.Path);
        Assert.NotNull(saved.Failure);
        var data = new ImageEditData(0, null, null, null, saved);
        Assert.Equal(Base64Utf8(bytes), data.B64Json);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), data.Sha256);
        File.Delete(folder);
    }

    [Fact]
    public void A_folder_that_cannot_be_created_keeps_the_image_in_memory()
    {
        string parent = TestPaths.NewTempFolder();
        string blocker = Path.Combine(parent, "blocker");
        File.WriteAllText(blocker, "x");
        var bytes = Png(6);
        using var file = new ImageFileWriter(Path.Combine(blocker, "out"), false).Begin(new OutputName("img", "-edited"));
        file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(bytes)), isFinal: true);
        var saved = file.Commit();
        Assert.Null(saved.Path);
        Assert.Equal(bytes, saved.Bytes);
    }

    [Fact]
    public void B64Json_is_the_returned_bytes_or_an_error_never_other_bytes()
    {
        string folder = TestPaths.NewTempFolder();
        var bytes = Png(7);
        SavedImage saved;
        using (var file = new ImageFileWriter(folder, false).Begin(new OutputName("x", "-edited")))
        {
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(bytes)), isFinal: true);
            saved = file.Commit();
        }
        var data = new ImageEditData(0, null, null, null, saved);
        Assert.Null(data.B64Json);
        Assert.Equal(Base64Utf8(bytes), data.GetB64Json());

        var changed = (byte[])bytes.Clone();
        changed[20] ^= 0xFF;
        File.WriteAllBytes(saved.Path!, changed);
        Assert.Throws<InvalidOperationException>(() => data.GetB64Json());
        Assert.Null(data.B64Json);

        File.WriteAllBytes(saved.Path!, bytes.Concat(new byte[] { 1 }).ToArray());
        Assert.Throws<InvalidOperationException>(() => data.GetB64Json());
        Assert.Null(data.B64Json);

        File.WriteAllBytes(saved.Path!, bytes);
        Assert.Equal(Base64Utf8(bytes), data.GetB64Json());

        File.Move(saved.Path!, saved.Path + ".moved");
        var error = Assert.Throws<InvalidOperationException>(() => data.GetB64Json());
        Assert.Contains(saved.Path!, error.Message);
        Assert.Null(data.B64Json);
    }

    [Fact]
    public void Force_replaces_the_first_name_and_nothing_else()
    {
        string folder = TestPaths.NewTempFolder();
        File.WriteAllText(Path.Combine(folder, "a-edited.png"), "old");
        using var file = new ImageFileWriter(folder, force: true).Begin(new OutputName("a", "-edited"));
        file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(8))), isFinal: true);
        Assert.Equal(Path.Combine(folder, "a-edited.png"), file.Commit().Path);
        Assert.Equal(Png(8), File.ReadAllBytes(Path.Combine(folder, "a-edited.png")));
        Assert.Single(Directory.GetFiles(folder));
    }

    [Fact]
    public void Force_never_lets_one_runs_results_replace_each_other()
    {
        string folder = TestPaths.NewTempFolder();
        var writer = new ImageFileWriter(folder, force: true);
        for (int i = 0; i < 5; i++)
        {
            using var file = writer.Begin(new OutputName("x", "-edited"));
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(30 + i))), isFinal: true);
            file.Commit();
        }
        Assert.Equal(5, Directory.GetFiles(folder).Length);
        // A later run with -Force replaces the first name, which the earlier run made.
        using (var file = new ImageFileWriter(folder, force: true).Begin(new OutputName("x", "-edited")))
        {
            file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(99))), isFinal: true);
            Assert.Equal(Path.Combine(folder, "x-edited.png"), file.Commit().Path);
        }
        Assert.Equal(Png(99), File.ReadAllBytes(Path.Combine(folder, "x-edited.png")));
        Assert.Equal(5, Directory.GetFiles(folder).Length);
    }

    [Fact]
    public void Force_under_a_race_still_keeps_every_result_of_the_run()
    {
        for (int trial = 0; trial < 30; trial++)
        {
            string folder = TestPaths.NewTempFolder();
            File.WriteAllText(Path.Combine(folder, "x-edited.png"), "from an earlier run");
            var writer = new ImageFileWriter(folder, force: true);
            var start = new Barrier(8);
            var paths = new ConcurrentBag<string>();
            var threads = Enumerable.Range(0, 8).Select(i => new Thread(() =>
            {
                using var file = writer.Begin(new OutputName("x", "-edited"));
                file.WriteBase64(Encoding.ASCII.GetBytes(Base64Utf8(Png(trial * 10 + i))), isFinal: true);
                start.SignalAndWait();
                paths.Add(file.Commit().Path!);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
            Assert.Equal(8, paths.Distinct().Count());
            Assert.Equal(8, Directory.GetFiles(folder).Length);
            Assert.NotEqual("from an earlier run", File.ReadAllText(Path.Combine(folder, "x-edited.png")));
        }
    }

    [Fact]
    public void Output_folder_checks_refuse_a_file_and_a_folder_under_a_file_and_accept_a_new_folder()
    {
        string parent = TestPaths.NewTempFolder();
        string file = Path.Combine(parent, "file.txt");
        File.WriteAllText(file, "x");
        Assert.Equal(OutputFolder.ErrorId, OutputFolder.Inspect(file)!.ErrorId);
        Assert.Equal(OutputFolder.ErrorId, OutputFolder.Inspect(Path.Combine(file, "sub", "deeper"))!.ErrorId);
        Assert.Null(OutputFolder.Inspect(Path.Combine(parent, "new", "deeper")));
        Assert.False(Directory.Exists(Path.Combine(parent, "new")));
        Assert.Null(OutputFolder.Prepare(Path.Combine(parent, "new", "deeper")));
        Assert.True(Directory.Exists(Path.Combine(parent, "new", "deeper")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(parent, "new", "deeper")));
        Assert.NotNull(OutputFolder.Prepare("/proc/imageedit-cannot-exist"));
    }

    [Fact]
    public void Activity_ids_never_repeat_across_threads()
    {
        var ids = new ConcurrentBag<int>();
        Parallel.For(0, 2000, _ => ids.Add(ActivityIds.Next()));
        Assert.Equal(2000, ids.Distinct().Count());
    }
}

/// <summary>
/// Tests that act on every temporary file of the process: they run alone, after the parallel ones, since deleting all
/// temporary files while other test classes are saving images would delete theirs too (a rare failure in CI).
/// </summary>
[CollectionDefinition(nameof(ProcessWideTemporaryFiles), DisableParallelization = true)]
public class ProcessWideTemporaryFiles
{
}

[Collection(nameof(ProcessWideTemporaryFiles))]
public class TemporaryFilesTests
{
    [Fact]
    public void Temporary_files_are_deleted_when_the_process_is_told_to_end()
    {
        string folder = TestPaths.NewTempFolder();
        var file = new ImageFileWriter(folder, false).Begin(new OutputName("half", "-edited"));
        file.WriteBase64(Encoding.ASCII.GetBytes(OutputSafetyTests.Base64Utf8(OutputSafetyTests.Png(40))), isFinal: false);
        Assert.Single(Directory.GetFiles(folder, "*.tmp", SearchOption.TopDirectoryOnly).Concat(Directory.GetFiles(folder, ".*")).Distinct());
        TemporaryFiles.DeleteAll();
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        file.Dispose();
    }
}
