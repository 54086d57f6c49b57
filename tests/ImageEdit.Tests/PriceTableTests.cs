using System.Globalization;
using ImageEdit.Output;
using ImageEdit.Pricing;
using ImageEdit.Responses;

namespace ImageEdit.Tests;

/// <summary>The price table: built-in prices and date, costs from usage, batch half price, overrides, unknown models.</summary>
public class PriceTableTests
{
    [Theory]
    [InlineData("gpt-image-2")]
    [InlineData("gpt-image-2-2026-04-21")]
    [InlineData("gpt-image-2.5-sunburst")]
    [InlineData("gpt-image-2.5-flare-2026-09-08")]
    [InlineData("gpt-image-2.6-flare")]
    public void The_gpt_image_2_family_has_the_published_prices(string model)
    {
        var price = PriceTable.BuiltIn().Find(model)!;
        Assert.Equal((5m, 1.25m, 8m, 2m, 30m), (price.TextInput, price.CachedTextInput, price.ImageInput, price.CachedImageInput, price.ImageOutput));
        Assert.Equal(new DateTime(2026, 12, 1), PriceTable.BuiltIn().Date);
    }

    [Fact]
    public void A_cost_is_each_kind_of_token_times_its_price_and_half_for_a_batch()
    {
        var usage = new UsageDto { InputTokens = 210, OutputTokens = 1056, TotalTokens = 1266, InputTokensDetails = new TokenDetailsDto { TextTokens = 16, ImageTokens = 194 } };
        decimal expected = (16 * 5m + 194 * 8m + 1056 * 30m) / 1_000_000m;
        Assert.Equal(expected, PriceTable.BuiltIn().Cost("gpt-image-2", usage));
        Assert.Equal(expected / 2, PriceTable.BuiltIn().Cost("gpt-image-2", usage, batch: true));
    }

    [Fact]
    public void Cached_tokens_are_counted_as_text_first_then_image()
    {
        var usage = new TokenUsage(100, 1000, 300, 0);
        decimal expected = (100 * 1.25m + 200 * 2m + 800 * 8m) / 1_000_000m;
        Assert.Equal(expected, PriceTable.BuiltIn().Cost("gpt-image-2", usage));
    }

    [Fact]
    public void Input_without_details_is_counted_as_image_input()
    {
        var usage = new UsageDto { InputTokens = 1000, OutputTokens = 0 };
        Assert.Equal(1000 * 8m / 1_000_000m, PriceTable.BuiltIn().Cost("gpt-image-2", usage));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("dall-e-2")]
    [InlineData("gpt-image-9")]
    public void A_model_without_a_price_has_no_cost_not_zero(string? model)
    {
        Assert.Null(PriceTable.BuiltIn().Cost(model, new UsageDto { InputTokens = 10, OutputTokens = 10 }));
        Assert.Null(PriceTable.BuiltIn().Cost("gpt-image-2", (UsageDto?)null));
    }

    [Fact]
    public void A_price_file_replaces_and_adds_models_and_gives_its_date()
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "prices.json");
        File.WriteAllText(path, """{"date":"2027-01-15","models":{"gpt-image-2":{"textInput":2,"imageInput":4,"imageOutput":10},"my-model":{"textInput":1,"cachedTextInput":0.5,"imageInput":1,"imageOutput":1}}}""");
        var table = PriceTable.BuiltIn().WithFile(path);
        Assert.Equal(new DateTime(2027, 1, 15), table.Date);
        Assert.Equal(path, table.Source);
        Assert.Equal(2m, table.Find("gpt-image-2")!.CachedTextInput);
        Assert.Equal(0.5m, table.Find("my-model")!.CachedTextInput);
        Assert.Equal(30m, table.Find("gpt-image-2.6-flare")!.ImageOutput);
    }

    [Theory]
    [InlineData("""{"models":{"gpt-image-2":{"textInput":"five","imageInput":1,"imageOutput":1}}}""")]
    [InlineData("""{"models":{"gpt-image-2":{"textInput":1,"imageInput":1}}}""")]
    [InlineData("""{"models":{"gpt-image-2":{"textInput":-1,"imageInput":1,"imageOutput":1}}}""")]
    [InlineData("""{"date":"15.01.2027","models":{}}""")]
    [InlineData("""{"prices":{}}""")]
    [InlineData("not json")]
    public void A_price_file_that_cannot_be_understood_is_refused_naming_it(string json)
    {
        string path = Path.Combine(TestPaths.NewTempFolder(), "prices.json");
        File.WriteAllText(path, json);
        var error = Assert.Throws<PriceFileException>(() => PriceTable.BuiltIn().WithFile(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void The_batch_bound_follows_its_stated_assumptions()
    {
        Assert.Equal(8320, CostBound.OutputTokensPerImage("1024x1024"));
        Assert.Equal(CostBound.OutputTokensPerImage("3840x2160"), CostBound.OutputTokensPerImage("auto"));
        decimal expected = (4 * 5m + 2 * 10_000 * 8m + 2 * 8320 * 30m) / 1_000_000m / 2;
        Assert.Equal(expected, CostBound.ForBatchRequest(PriceTable.BuiltIn(), "gpt-image-2", "snow", 2, "1024x1024", 2));
        Assert.Null(CostBound.ForBatchRequest(PriceTable.BuiltIn(), "dall-e-2", "snow", 1, null, 1));
    }

    [Fact]
    public void The_record_writes_cost_and_attempts_as_invariant_numbers_and_leaves_an_unknown_cost_out()
    {
        string folder = TestPaths.NewTempFolder();
        var record = new RunRecord(folder);
        var culture = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            record.Append(new RecordEntry { Key = "a", Cost = 0.0345m, Attempts = 2, Files = { new RecordFile { Name = "a.png", Sha256 = new string('a', 64) } } });
            record.Append(new RecordEntry { Key = "b", Attempts = 1, Files = { new RecordFile { Name = "b.png", Sha256 = new string('a', 64) } } });
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        var lines = File.ReadAllLines(Path.Combine(folder, RunRecord.FileName));
        Assert.Contains("\"cost\":0.0345", lines[0]);
        Assert.Contains("\"attempts\":2", lines[0]);
        Assert.DoesNotContain("\"cost\"", lines[1]);
    }
}
