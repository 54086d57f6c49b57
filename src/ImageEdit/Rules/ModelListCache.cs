using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ImageEdit.Responses;

namespace ImageEdit.Rules
{
    /// <summary>The shutdown date GET /models gave for each model of one endpoint (null: none announced), and when it was read.</summary>
    internal sealed class ModelShutdownList
    {
        /// <summary>How long a list read from the API is taken as the API's word.</summary>
        public static readonly TimeSpan MaxAge = TimeSpan.FromDays(1);

        public ModelShutdownList(string endpoint, DateTimeOffset fetchedAt, IReadOnlyDictionary<string, DateTime?> dates)
        {
            Endpoint = endpoint;
            FetchedAt = fetchedAt;
            Dates = dates;
        }

        /// <summary>The model list's address (GET {base}/models).</summary>
        public string Endpoint { get; }
        public DateTimeOffset FetchedAt { get; }

        /// <summary>By model ID, compared without regard to case: its shutdown date, or null when the API announces none.</summary>
        public IReadOnlyDictionary<string, DateTime?> Dates { get; }

        /// <summary>Read less than a day ago (a date in the future, a clock set back, is not fresh).</summary>
        public bool IsFresh(DateTimeOffset now) => now >= FetchedAt && now - FetchedAt < MaxAge;

        public static ModelShutdownList From(string endpoint, IEnumerable<ModelDto> models, DateTimeOffset fetchedAt)
        {
            var dates = new Dictionary<string, DateTime?>(StringComparer.OrdinalIgnoreCase);
            foreach (var model in models.Where(m => !string.IsNullOrEmpty(m.Id)))
            {
                dates[model.Id] = DateTime.TryParseExact(model.ShutdownDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : (DateTime?)null;
            }
            return new ModelShutdownList(endpoint, fetchedAt, dates);
        }
    }

    /// <summary>
    /// Model lists kept on disk, one file per endpoint, in the user's cache folder: $env:IMAGEEDIT_CACHE_DIR, else
    /// $XDG_CACHE_HOME/ImageEdit or ~/.cache/ImageEdit on Linux and macOS, %LOCALAPPDATA%\ImageEdit\Cache on Windows.
    /// A file is written whole under a temporary name and then renamed over the old one, so a reader never sees half a
    /// file and concurrent writers each leave a whole one; a file that cannot be read or parsed counts as no file.
    /// It holds model IDs and dates only, never a key.
    /// </summary>
    internal sealed class ModelListCache
    {
        public const string FolderVariable = "IMAGEEDIT_CACHE_DIR";

        public ModelListCache(string folder)
        {
            Folder = folder;
        }

        public string Folder { get; }

        /// <summary>The cache in the user's cache folder (see the class).</summary>
        public static ModelListCache Default() => new ModelListCache(DefaultFolder());

        public static string DefaultFolder()
        {
            string? overridden = Environment.GetEnvironmentVariable(FolderVariable);
            if (!string.IsNullOrWhiteSpace(overridden))
            {
                return overridden!.Trim();
            }
            if (Path.DirectorySeparatorChar == '\\')
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "ImageEdit", "Cache");
            }
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string root = !string.IsNullOrWhiteSpace(xdg) && Path.IsPathRooted(xdg)
                ? xdg!
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(root, "ImageEdit");
        }

        /// <summary>The file for one endpoint: named by a digest of its address, so that any address makes a safe file name.</summary>
        public string PathFor(string endpoint)
        {
            using var sha = SHA256.Create();
            byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(endpoint));
            string name = string.Concat(digest.Take(8).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            return Path.Combine(Folder, "models-" + name + ".json");
        }

        /// <summary>The list stored for <paramref name="endpoint"/>, or null when there is none, or it cannot be read or parsed, or it is another endpoint's.</summary>
        public ModelShutdownList? Read(string endpoint)
        {
            try
            {
                byte[] bytes;
                using (var stream = new FileStream(PathFor(endpoint), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                {
                    if (stream.Length > 4 * 1024 * 1024)
                    {
                        return null;
                    }
                    bytes = new byte[stream.Length];
                    int read = 0;
                    while (read < bytes.Length)
                    {
                        int got = stream.Read(bytes, read, bytes.Length - read);
                        if (got == 0) return null;
                        read += got;
                    }
                }
                var stored = JsonSerializer.Deserialize<StoredList>(bytes);
                if (stored?.Models is null || stored.Endpoint != endpoint)
                {
                    return null;
                }
                return ModelShutdownList.From(endpoint, stored.Models.Where(m => m != null), stored.FetchedAt);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is JsonException || ex is NotSupportedException || ex is ArgumentException)
            {
                return null;
            }
        }

        /// <summary>Stores a list atomically (see the class); throws what the file system throws, for the caller to note.</summary>
        public void Write(ModelShutdownList list)
        {
            Directory.CreateDirectory(Folder);
            string path = PathFor(list.Endpoint);
            string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var stored = new StoredList
            {
                Endpoint = list.Endpoint,
                FetchedAt = list.FetchedAt,
                Models = list.Dates.Select(d => new ModelDto { Id = d.Key, ShutdownDate = d.Value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }).ToList(),
            };
            try
            {
                File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(stored));
                try
                {
                    File.Move(temporary, path);
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Another list is there (an earlier one, or another process's just now): replace it whole.
                    ReplaceUnlessAnotherWriterHolds(temporary, path);
                }
            }
            finally
            {
                if (File.Exists(temporary))
                {
                    File.Delete(temporary);
                }
            }
        }

        /// <summary>
        /// Renames <paramref name="temporary"/> over <paramref name="path"/>. Where the system refuses because another writer
        /// is replacing it at the same moment (Windows), that writer's whole list stays: as good as this one.
        /// </summary>
        private static void ReplaceUnlessAnotherWriterHolds(string temporary, string path)
        {
            try
            {
                File.Replace(temporary, path, null);
            }
            catch (Exception ex) when ((ex is IOException || ex is UnauthorizedAccessException) && File.Exists(path) && !(ex is PathTooLongException))
            {
            }
        }

        private sealed class StoredList
        {
            [JsonPropertyName("endpoint")] public string Endpoint { get; set; } = "";
            [JsonPropertyName("fetched_at")] public DateTimeOffset FetchedAt { get; set; }
            [JsonPropertyName("models")] public List<ModelDto> Models { get; set; } = new List<ModelDto>();
        }
    }
}
