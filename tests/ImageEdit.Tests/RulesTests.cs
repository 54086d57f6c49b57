using ImageEdit.Models;
using ImageEdit.Images;
using ImageEdit.Rules;
using ImageEdit.Requests;

namespace ImageEdit.Tests;

public class RulesTests
{
    private static readonly string Lighthouse = Path.Combine(TestPaths.Samples, "lighthouse.png");

    [Theory]
    [InlineData("1536x864", true)]
    [InlineData("3840x2160", true)]
    [InlineData("2160x3840", true)]
    [InlineData("3840x1280", true)]
    [InlineData("1008x1008", true)]
    [InlineData("16x48", false)]
    [InlineData("512x512", false)]
    [InlineData("2880x2880", true)]
    [InlineData("1024x640", true)]
    [InlineData("1008x640", false)]
    [InlineData("1000x1000", false)]
    [InlineData("3856x1280", false)]
    [InlineData("1280x3856", false)]
    [InlineData("4096x2304", false)]
    [InlineData("2176x2176", true)]
    [InlineData("3840x2176", false)]
    public void Flexible_sizes_are_multiples_of_16_up_to_3840_within_3_to_1_and_655360_to_8294400_pixels(string size, bool accepted)
    {
        foreach (string model in new[] { "gpt-image-2", "gpt-image-2.5-flare", "gpt-image-2.6-sunburst" })
        {
            var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = model, ["size"] = size }));
            Assert.True(accepted == (result.Error is null), $"{model} {size}: {result.Error?.Message}");
        }
    }

    [Theory]
    [InlineData("gpt-image-2", "xhigh", false)]
    [InlineData("gpt-image-2", "high", true)]
    [InlineData("gpt-image-2.5-sunburst", "xhigh", true)]
    [InlineData("gpt-image-2.5-flare-2026-09-08", "max", true)]
    [InlineData("gpt-image-2.6-flare", "max", true)]
    public void Quality_xhigh_and_max_belong_to_2_5_and_2_6(string model, string quality, bool accepted)
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = model, ["quality"] = quality }));
        Assert.True(accepted == (result.Error is null), result.Error?.Message);
    }

    [Theory]
    [InlineData("gpt-image-2.5-sunburst", "complexity", "high", "ParameterNotSupportedByModel")]
    [InlineData("gpt-image-2", "output_format", "gif", "ValueNotSupportedByModel")]
    [InlineData("gpt-image-2.6-flare", "frame_count", 17, "FrameCountOutOfRange")]
    [InlineData("gpt-image-2.6-flare", "frame_duration_ms", 10, "FrameDurationMsOutOfRange")]
    [InlineData("gpt-image-2.6-flare", "frame_count", 4, "FramesNeedGif")]
    public void The_2_6_fields_are_refused_where_the_table_knows_the_api_refuses_them(string model, string field, object value, string errorId)
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = model, [field] = value }));
        Assert.Equal(errorId, result.Error?.ErrorId);
    }

    [Fact]
    public void The_retired_models_name_the_replacement_openai_names()
    {
        foreach (var model in ModelCatalog.All.Where(m => m.ShutdownDate != null))
        {
            Assert.Equal("gpt-image-2.6-sunburst or gpt-image-2.6-flare", model.Replacement);
        }
        Assert.Contains("-Model gpt-image-2.6-sunburst or gpt-image-2.6-flare", ModelLifecycle.Warning(ModelCatalog.Find("gpt-image-1.5"), new DateTime(2026, 12, 4)));
    }

    [Fact]
    public void Every_model_the_contract_names_is_in_the_table_and_no_model_means_the_shared_gpt_rules()
    {
        var names = ModelCatalog.All.Select(m => m.Name).ToHashSet();
        Assert.Superset(names, new HashSet<string> { "dall-e-2", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-2", "gpt-image-2-2026-04-21", "chatgpt-image-latest",
            "gpt-image-2.5-sunburst", "gpt-image-2.5-sunburst-2026-09-08", "gpt-image-2.5-flare", "gpt-image-2.5-flare-2026-09-08", "gpt-image-2.6-sunburst", "gpt-image-2.6-flare" });
        Assert.Same(ModelCatalog.CurrentGptCommon, ModelCatalog.RulesFor(null));
        Assert.Same(ModelCatalog.Find("dall-e-2"), ModelCatalog.Find("DALL-E-2"));
        Assert.Null(ModelCatalog.Find("gpt-image-9"));
    }

    [Fact]
    public void An_unknown_model_gets_only_the_general_checks_and_a_warning_that_names_it()
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "gpt-image-9", ["input_fidelity"] = "high", ["size"] = "777x333" }));
        Assert.Null(result.Error);
        Assert.Contains("'gpt-image-9'", Assert.Single(result.Warnings));
    }

    [Fact]
    public void The_first_broken_rule_is_reported_with_its_id()
    {
        var result = new RequestValidator(new ImageProbeCache()).Validate(new ImageEditRequest(new[] { Lighthouse }, "x", fields: new Dictionary<string, object?> { ["model"] = "dall-e-2", ["background"] = "opaque" }));
        Assert.Equal("ParameterNotSupportedByModel", result.Error!.ErrorId);
    }
}
