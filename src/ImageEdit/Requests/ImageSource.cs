using System;
using System.IO;
using ImageEdit.Images;

namespace ImageEdit.Requests
{
    /// <summary>How an image reaches the API.</summary>
    internal enum ImageSourceKind
    {
        /// <summary>A local file: uploaded by multipart, or sent as a data URL in a JSON body.</summary>
        File,
        /// <summary>An https URL or a data URL (JSON body, image_url).</summary>
        Url,
        /// <summary>The ID of a file uploaded to the Files API (JSON body, file_id).</summary>
        FileId,
    }

    /// <summary>One image of a request (the edited one, a reference, or the mask) and how it is given.</summary>
    internal sealed class ImageSource
    {
        private ImageSource(ImageSourceKind kind, string value)
        {
            Kind = kind;
            Value = value;
        }

        public ImageSourceKind Kind { get; }

        /// <summary>The full path, the URL or the file ID, as given.</summary>
        public string Value { get; }

        /// <summary>
        /// The input as results and errors name it (SourcePath, TargetObject): the path, URL or file ID as given, except
        /// that a data URL, which may run to millions of characters, is shortened to its type, first characters and length.
        /// </summary>
        public string Identity => IsDataUrl && Value.Length > 80
            ? $"{Value.Substring(0, Math.Max(Value.IndexOf(',') + 1, 0)) + Value.Substring(Value.IndexOf(',') + 1, Math.Min(16, Value.Length - Value.IndexOf(',') - 1))}... ({Value.Length:N0} characters)"
            : Value;

        /// <summary>What the header probe learned of a local file, once it has been checked.</summary>
        public ImageInfo? Info { get; set; }

        public bool IsFile => Kind == ImageSourceKind.File;
        public bool IsDataUrl => Kind == ImageSourceKind.Url && Value.StartsWith("data:", StringComparison.OrdinalIgnoreCase);

        public static ImageSource File(string path) => new ImageSource(ImageSourceKind.File, path);
        public static ImageSource Url(string url) => new ImageSource(ImageSourceKind.Url, url);
        public static ImageSource FileId(string id) => new ImageSource(ImageSourceKind.FileId, id);

        /// <summary>What saved results are named after: the file's name, the URL's last segment, or the file ID.</summary>
        public string Stem
        {
            get
            {
                switch (Kind)
                {
                    case ImageSourceKind.File:
                        return Path.GetFileNameWithoutExtension(Value);
                    case ImageSourceKind.FileId:
                        return Value;
                    default:
                        if (!IsDataUrl && Uri.TryCreate(Value, UriKind.Absolute, out var uri))
                        {
                            string last = Path.GetFileNameWithoutExtension(Uri.UnescapeDataString(uri.AbsolutePath.TrimEnd('/')));
                            return string.IsNullOrWhiteSpace(last) ? uri.Host : Sanitise(last);
                        }
                        return "image";
                }
            }
        }

        /// <summary>How messages name it: a file name, a URL (a data URL by its type and length), or a file ID.</summary>
        public string Display => Kind switch
        {
            ImageSourceKind.File => Path.GetFileName(Value),
            ImageSourceKind.FileId => "file " + Value,
            _ when IsDataUrl => $"a data URL ({Value.Length} characters)",
            _ => Value.Length <= 100 ? Value : Value.Substring(0, 97) + "...",
        };

        public override string ToString() => Display;

        private static string Sanitise(string name)
        {
            foreach (char bad in Path.GetInvalidFileNameChars())
            {
                name = name.Replace(bad, '_');
            }
            return name;
        }
    }
}
