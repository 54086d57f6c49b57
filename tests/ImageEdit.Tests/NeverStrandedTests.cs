using ImageEdit.Images;
using ImageEdit.Models;
using ImageEdit.Operations;
using ImageEdit.Responses;
using ImageEdit.Rules;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

/// <summary>The table as knowledge, not authority (issue 20, item 3), and the lifecycle from the API's model list (item 4).</summary>
public class NeverStrandedTests
{
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");
    private const string Endpoint = "https://api.example.com/v1/models";

    private static ValidationResult Validate(params (string Field, object Value)[] fields) =>
        new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: fields.ToDictionary(f => f.Field, f => (object?)f.Value)));

    [Theory]
    [InlineData("gpt-image-2", "gpt-image-2")]
    [InlineData(null, "the API's default model")]
    [InlineData("gpt-image-9", "gpt-image-9")]
    public void A_value_the_table_has_never_heard_of_is_sent_with_a_warning_naming_it_and_the_model(string? model, string label)
    {
        var fields = new List<(string, object)> { ("quality", "ultra") };
        if (model != null) fields.Add(("model", model));
        var result = Validate(fields.ToArray());
        Assert.Null(result.Error);
        Assert.Contains(result.Warnings, w => w.Contains("-Quality 'ultra'") && w.Contains(label));
    }

    [Fact]
    public void A_value_the_table_knows_the_model_refuses_is_still_refused_and_with_no_model_only_what_no_current_model_takes()
    {
        Assert.Equal("ValueNotSupportedByModel", Validate(("model", "gpt-image-2"), ("quality", "standard")).Error?.ErrorId);
        Assert.Equal("ValueNotSupportedByModel", Validate(("quality", "standard")).Error?.ErrorId);
        Assert.Equal("ParameterNotSupportedByModel", Validate(("model", "dall-e-2"), ("background", "sideways")).Error?.ErrorId);
        Assert.Null(Validate(("size", "1536x864")).Error);
    }

    [Fact]
    public void Output_compression_is_left_to_the_API_for_an_output_format_the_table_has_never_heard_of()
    {
        var result = Validate(("model", "gpt-image-2"), ("output_format", "avif"), ("output_compression", 50));
        Assert.Null(result.Error);
        Assert.Contains(result.Warnings, w => w.Contains("-OutputFormat 'avif'"));
        Assert.Equal("OutputCompressionNeedsJpegOrWebp", Validate(("model", "gpt-image-2"), ("output_format", "png"), ("output_compression", 50)).Error?.ErrorId);
    }

    [Fact]
    public void The_rules_for_no_model_take_the_union_of_what_current_models_take_and_refuse_only_what_all_refuse()
    {
        var common = ModelCatalog.CurrentGptCommon;
        var current = ModelCatalog.All.Where(m => m.IsGptImageModel && (m.ShutdownDate is null || m.ShutdownDate > ModelLifecycle.Today())).ToList();
        Assert.NotEmpty(current);
        foreach (var model in current)
        {
            // xunit's Superset(expectedSubset, actual): what the model takes is within what the no-model rules take.
            Assert.Superset((model.ValuesFor("quality") ?? Array.Empty<string>()).ToHashSet(), common.ValuesFor("quality")!.ToHashSet());
            Assert.Superset(model.Sizes.ToHashSet(), common.Sizes.ToHashSet());
            Assert.Subset(model.UnsupportedFields.ToHashSet(), common.UnsupportedFields.ToHashSet());
        }
        Assert.DoesNotContain("standard", common.ValuesFor("quality")!);
        Assert.Contains("response_format", common.UnsupportedFields);
    }

    [Fact]
    public void The_API_date_wins_a_null_there_too_and_a_model_the_list_lacks_falls_back_to_the_table()
    {
        var table = ModelCatalog.Find("gpt-image-1.5")!;
        var today = new DateTime(2026, 11, 1);
        var listed = new Dictionary<string, DateTime?>(StringComparer.OrdinalIgnoreCase) { ["gpt-image-1.5"] = new DateTime(2027, 1, 15), ["gpt-image-2"] = null };
        Assert.Contains("2027-01-15 (75 days from now)", ModelLifecycle.Warning("gpt-image-1.5", table, listed, today));
        Assert.Contains("2026-12-01", ModelLifecycle.Warning("gpt-image-1.5", table, new Dictionary<string, DateTime?>(), today));
        Assert.Contains("2026-12-01", ModelLifecycle.Warning("gpt-image-1.5", table, null, today));
        Assert.Null(ModelLifecycle.Warning("gpt-image-1.5", table, new Dictionary<string, DateTime?> { ["gpt-image-1.5"] = null }, today));
        string? onlyTheApiKnows = ModelLifecycle.Warning("gpt-image-3-preview", null, new Dictionary<string, DateTime?> { ["gpt-image-3-preview"] = new DateTime(2026, 11, 20) }, today);
        Assert.Contains("OpenAI shuts gpt-image-3-preview down on 2026-11-20 (19 days from now)", onlyTheApiKnows);
        Assert.Contains("Get-ImageEditModel", onlyTheApiKnows);
    }

    [Fact]
    public void The_cache_keeps_a_list_per_endpoint_and_reads_it_back_for_a_day()
    {
        var cache = new ModelListCache(Path.Combine(TestPaths.NewTempFolder(), "nested", "cache"));
        var now = new DateTimeOffset(2026, 12, 4, 10, 0, 0, TimeSpan.Zero);
        var list = ModelShutdownList.From(Endpoint, new[] { new ModelDto { Id = "gpt-image-2", ShutdownDate = "2027-01-15" }, new ModelDto { Id = "gpt-image-1.5" } }, now);
        cache.Write(list);
        var read = cache.Read(Endpoint)!;
        Assert.Equal(new DateTime(2027, 1, 15), read.Dates["GPT-IMAGE-2"]);
        Assert.Null(read.Dates["gpt-image-1.5"]);
        Assert.True(read.IsFresh(now.AddHours(23)));
        Assert.False(read.IsFresh(now.AddHours(25)));
        Assert.False(read.IsFresh(now.AddHours(-1)));
        Assert.Null(cache.Read("https://other.example.com/v1/models"));
        Assert.Single(Directory.GetFiles(cache.Folder));
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"endpoint\": \"https://api.exa")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"endpoint\": \"https://api.example.com/v1/models\", \"fetched_at\": \"yesterday\", \"models\": []}")]
    [InlineData("{\"endpoint\": \"https://api.example.com/v1/models\", \"fetched_at\": \"2026-12-04T10:00:00+00:00\", \"models\": null}")]
    public void A_corrupt_cache_file_counts_as_none(string content)
    {
        var cache = new ModelListCache(TestPaths.NewTempFolder());
        File.WriteAllText(cache.PathFor(Endpoint), content);
        Assert.Null(cache.Read(Endpoint));
    }

    [Fact]
    public void Concurrent_writers_each_leave_a_whole_file_and_no_temporary_one()
    {
        var cache = new ModelListCache(TestPaths.NewTempFolder());
        var now = DateTimeOffset.UtcNow;
        var models = Enumerable.Range(0, 200).Select(i => new ModelDto { Id = "model-" + i, ShutdownDate = "2027-01-15" }).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            try
            {
                cache.Write(ModelShutdownList.From(Endpoint, models, now.AddSeconds(i)));
                Assert.Equal(200, cache.Read(Endpoint)?.Dates.Count);
            }
            catch (Exception ex)
            {
                failures.Add(ex);
            }
        });
        Assert.Empty(failures);
        Assert.Equal(200, cache.Read(Endpoint)!.Dates.Count);
        Assert.Equal(new[] { cache.PathFor(Endpoint) }, Directory.GetFiles(cache.Folder));
    }
}
