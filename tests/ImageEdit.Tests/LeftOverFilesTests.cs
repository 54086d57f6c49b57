using System.Text;
using ImageEdit.Output;

namespace ImageEdit.Tests;

/// <summary>
/// What a killed run leaves and a later one cleans up: temporary files no writer holds are deleted once they are a
/// moment old; one a live writer holds, or one just created, is never touched; an image already saved is adopted, not copied.
/// </summary>
public class LeftOverFilesTests
{
    [Fact]
    public void Deletes_only_temporary_files_no_writer_holds_and_not_just_created()
    {
        string folder = TestPaths.NewTempFolder();
        string left = Path.Combine(folder, ".imageedit-0123456789abcdef0123456789abcdef.tmp");
        File.WriteAllText(left, "half an image");
        File.SetLastWriteTimeUtc(left, DateTime.UtcNow.AddMinutes(-1));
        string fresh = Path.Combine(folder, ".imageedit-fedcba9876543210fedcba9876543210.tmp");
        File.WriteAllText(fresh, "another run is about to lock me");
        string other = Path.Combine(folder, "photo-edited.png");
        File.WriteAllText(other, "a result");
        File.SetLastWriteTimeUtc(other, DateTime.UtcNow.AddMinutes(-1));

        using var live = new ImageFileWriter(folder, force: false).Begin(new OutputName("cat", "-edited"));
        live.WriteBase64(Encoding.ASCII.GetBytes(Convert.ToBase64String(OutputSafetyTests.Png(1))), isFinal: true);
        string held = Directory.GetFiles(folder, ".imageedit-*.tmp").Single(p => p != left && p != fresh);
        File.SetLastWriteTimeUtc(held, DateTime.UtcNow.AddMinutes(-1));

        TemporaryFiles.DeleteLeftOver(folder);

        Assert.False(File.Exists(left));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(held));
        Assert.True(File.Exists(other));
        Assert.NotNull(live.Commit().Path);
    }

    [Fact]
    public void An_adopting_writer_takes_a_file_holding_the_same_bytes_and_saves_other_bytes_beside_it()
    {
        string folder = TestPaths.NewTempFolder();
        byte[] image = OutputSafetyTests.Png(7);
        File.WriteAllBytes(Path.Combine(folder, "cat-edited.png"), image);
        var writer = new ImageFileWriter(folder, force: false, adoptIdentical: true);

        SavedImage Save(byte[] bytes)
        {
            using var file = writer.Begin(new OutputName("cat", "-edited"));
            file.WriteBase64(Encoding.ASCII.GetBytes(Convert.ToBase64String(bytes)), isFinal: true);
            return file.Commit();
        }

        var same = Save(image);
        var other = Save(OutputSafetyTests.Png(8));

        Assert.True(same.Adopted);
        Assert.Equal(Path.Combine(folder, "cat-edited.png"), same.Path);
        Assert.False(other.Adopted);
        Assert.Equal(Path.Combine(folder, "cat-edited (2).png"), other.Path);
        Assert.Equal(2, Directory.GetFiles(folder).Length);
    }
}
