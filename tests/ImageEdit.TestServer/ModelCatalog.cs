using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ImageEdit.TestServer;

/// <summary>
/// One model as a test describes it to POST /_control/models. Retired models are no longer served: they leave the
/// /v1/models list and an edit naming them gets 404 model_not_found. Values adds accepted values to an edit's fields
/// (quality, size, background, output_format, input_fidelity, moderation, ...) for this model only.
/// </summary>
public sealed class ModelEntry
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    /// <summary>A date (yyyy-MM-dd) or null.</summary>
    [JsonPropertyName("shutdown_date")] public string? ShutdownDate { get; set; }
    [JsonPropertyName("owned_by")] public string? OwnedBy { get; set; }
    [JsonPropertyName("created")] public long? Created { get; set; }
    [JsonPropertyName("retired")] public bool Retired { get; set; }
    /// <summary>Whether an edit may name it. Left out: true, except for the known non-image models of the default list.</summary>
    [JsonPropertyName("image")] public bool? Image { get; set; }
    [JsonPropertyName("values")] public Dictionary<string, List<string>>? Values { get; set; }
}

/// <summary>The models the server lists at /v1/models and consults for edits; replaced by /_control/models, restored by /_control/reset.</summary>
public sealed class ModelCatalog
{
    /// <summary>2025-04-23, a plausible creation time for every default entry.</summary>
    private const long DefaultCreated = 1745366400;
    private static readonly string[] KnownNonImage = ["gpt-4o", "whisper-1"];
    private readonly object _gate = new();
    private List<ModelEntry> _models = Defaults();

    public static List<ModelEntry> Defaults() =>
    [
        new() { Id = "gpt-image-2.6-sunburst", OwnedBy = "system" },
        new() { Id = "gpt-image-2.6-flare", OwnedBy = "system" },
        new() { Id = "gpt-image-2.5-sunburst", OwnedBy = "system" },
        new() { Id = "gpt-image-2.5-sunburst-2026-09-08", OwnedBy = "system" },
        new() { Id = "gpt-image-2.5-flare", OwnedBy = "system" },
        new() { Id = "gpt-image-2.5-flare-2026-09-08", OwnedBy = "system" },
        new() { Id = "gpt-image-2", OwnedBy = "system" },
        new() { Id = "gpt-image-2-2026-04-21", OwnedBy = "system" },
        new() { Id = "gpt-image-1.5", OwnedBy = "system", ShutdownDate = "2026-12-01" },
        new() { Id = "gpt-image-1-mini", OwnedBy = "system", ShutdownDate = "2026-12-01" },
        new() { Id = "chatgpt-image-latest", OwnedBy = "system", ShutdownDate = "2026-12-01" },
        new() { Id = "gpt-4o", OwnedBy = "system", Image = false },
        new() { Id = "whisper-1", OwnedBy = "openai-internal", Image = false },
    ];

    public IReadOnlyList<ModelEntry> All
    {
        get { lock (_gate) return _models.ToList(); }
    }

    public void Reset()
    {
        lock (_gate) _models = Defaults();
    }

    /// <summary>Replaces the list; returns why the list cannot be used, or null.</summary>
    public string? Replace(List<ModelEntry>? models)
    {
        if (models is null) return "The body must be a JSON array of models.";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            if (model is null || string.IsNullOrWhiteSpace(model.Id)) return "Every model needs an 'id'.";
            if (!seen.Add(model.Id)) return $"The model '{model.Id}' is listed twice.";
            if (model.ShutdownDate != null && !DateOnly.TryParseExact(model.ShutdownDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                return $"The shutdown_date of '{model.Id}' must be a date (yyyy-MM-dd) or null.";
            }
        }
        lock (_gate) _models = models.ToList();
        return null;
    }

    public ModelEntry? Find(string id)
    {
        lock (_gate) return _models.FirstOrDefault(m => m.Id == id);
    }

    public bool IsRetired(string id) => Find(id)?.Retired == true;

    /// <summary>Whether an edit may name this listed model as a GPT image model.</summary>
    public static bool IsImageModel(ModelEntry entry) => entry.Image ?? !KnownNonImage.Contains(entry.Id);

    /// <summary>The extra values this model accepts for a field, beyond the contract's.</summary>
    public static IReadOnlyList<string> Extra(ModelEntry? entry, string field) =>
        entry?.Values is { } values && values.TryGetValue(field, out var list) && list != null ? list : [];

    public static JsonObject ToJson(ModelEntry model) => new()
    {
        ["id"] = model.Id,
        ["object"] = "model",
        ["created"] = model.Created ?? DefaultCreated,
        ["owned_by"] = model.OwnedBy ?? "system",
        ["shutdown_date"] = model.ShutdownDate,
    };
}
