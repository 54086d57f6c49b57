# Headless Chromium driven by Selenium for the report's browser tests: the Debian packages (/usr/bin/chromium,
# /usr/bin/chromedriver) and Selenium.WebDriver restored by build.ps1 into out/tools. Nothing is downloaded at run time:
# the driver's path is given, so Selenium Manager never runs.

$script:SeleniumDll = if ($env:IMAGEEDIT_TEST_SELENIUM) { $env:IMAGEEDIT_TEST_SELENIUM } else {
    Join-Path $PSScriptRoot '../../out/tools/selenium.webdriver/4.52.0/lib/net8.0/Selenium.WebDriver.dll'
}

# Why the browser tests cannot run here, or $null when they can.
function Get-BrowserSkipReason {
    if (-not (Test-Path '/usr/bin/chromium')) { return 'Chromium is not installed (/usr/bin/chromium; the build''s Test task installs the Debian package chromium when run as root)' }
    if (-not (Test-Path '/usr/bin/chromedriver')) { return 'ChromeDriver is not installed (/usr/bin/chromedriver; Debian package chromium-driver)' }
    if (-not (Test-Path $script:SeleniumDll)) { return "Selenium.WebDriver is not restored ($script:SeleniumDll; build.ps1 -Task Test restores it)" }
    $null
}

# A new headless Chromium with an empty profile of its own; Stop-Browser ends it and removes the profile.
function Start-Browser {
    param([int] $Width = 1280, [int] $Height = 900)
    Add-Type -Path $script:SeleniumDll
    $profile = Join-Path ([IO.Path]::GetTempPath()) ('imageedit-chromium-' + [guid]::NewGuid().ToString('n'))
    New-Item -ItemType Directory $profile | Out-Null
    $service = [OpenQA.Selenium.Chrome.ChromeDriverService]::CreateDefaultService('/usr/bin', 'chromedriver')
    $service.HideCommandPromptWindow = $true
    $service.SuppressInitialDiagnosticInformation = $true
    $options = [OpenQA.Selenium.Chrome.ChromeOptions]::new()
    $options.BinaryLocation = '/usr/bin/chromium'
    $options.AddArguments([string[]]@('--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', "--user-data-dir=$profile", "--window-size=$Width,$Height", '--allow-file-access-from-files'))
    $driver = [OpenQA.Selenium.Chrome.ChromeDriver]::new($service, $options, [TimeSpan]::FromSeconds(90))
    [pscustomobject]@{ Driver = $driver; Profile = $profile }
}

function Stop-Browser {
    param($Browser)
    if ($null -eq $Browser) { return }
    try { $Browser.Driver.Quit() } catch { }
    Remove-Item -LiteralPath $Browser.Profile -Recurse -Force -ErrorAction SilentlyContinue
}

# Opens a page file and waits until it has loaded.
function Open-Page {
    param($Browser, [string] $Path)
    $Browser.Driver.Navigate().GoToUrl([Uri]::new($Path, [UriKind]::Absolute).AbsoluteUri)
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ($Browser.Driver.ExecuteScript('return document.readyState') -ne 'complete' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
}

# Scrolls every image into view, as a reader would (they load lazily), and waits until each has finished loading or
# failed; returns each image's src and naturalWidth.
function Get-LoadedImage {
    param($Browser)
    $driver = $Browser.Driver
    $count = $driver.ExecuteScript('return document.images.length')
    for ($i = 0; $i -lt $count; $i++) {
        $null = $driver.ExecuteScript("document.images[$i].scrollIntoView()")
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while (-not $driver.ExecuteScript("return document.images[$i].complete") -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
    }
    $json = $driver.ExecuteScript('return JSON.stringify(Array.prototype.map.call(document.images, function(i){ return { src: i.getAttribute("src"), naturalWidth: i.naturalWidth }; }))')
    @($json | ConvertFrom-Json)
}

if (-not ('ImageEditTests.PngPixels' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
namespace ImageEditTests {
    /// <summary>Decodes an 8-bit RGB or RGBA PNG (as Chromium's screenshots are) and counts its distinct colours.</summary>
    public static class PngPixels {
        public static int DistinctColours(byte[] png) {
            int width = 0, height = 0, channels = 0;
            var idat = new MemoryStream();
            for (int at = 8; at < png.Length;) {
                int length = (png[at] << 24) | (png[at + 1] << 16) | (png[at + 2] << 8) | png[at + 3];
                string type = System.Text.Encoding.ASCII.GetString(png, at + 4, 4);
                if (type == "IHDR") {
                    width = (png[at + 8] << 24) | (png[at + 9] << 16) | (png[at + 10] << 8) | png[at + 11];
                    height = (png[at + 12] << 24) | (png[at + 13] << 16) | (png[at + 14] << 8) | png[at + 15];
                    if (png[at + 16] != 8) throw new InvalidDataException("not 8-bit");
                    channels = png[at + 17] == 6 ? 4 : png[at + 17] == 2 ? 3 : throw new InvalidDataException("colour type " + png[at + 17]);
                }
                else if (type == "IDAT") idat.Write(png, at + 8, length);
                at += 12 + length;
            }
            idat.Position = 0;
            var raw = new MemoryStream();
            using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
            byte[] data = raw.ToArray();
            int stride = width * channels;
            var previous = new byte[stride];
            var line = new byte[stride];
            var colours = new HashSet<int>();
            for (int y = 0; y < height; y++) {
                int start = y * (stride + 1);
                byte filter = data[start];
                for (int x = 0; x < stride; x++) {
                    int a = x >= channels ? line[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                    int value = data[start + 1 + x];
                    switch (filter) {
                        case 1: value += a; break;
                        case 2: value += b; break;
                        case 3: value += (a + b) / 2; break;
                        case 4: int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c); value += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break;
                    }
                    line[x] = (byte)value;
                }
                for (int x = 0; x < stride; x += channels) colours.Add((line[x] << 16) | (line[x + 1] << 8) | line[x + 2]);
                var swap = previous; previous = line; line = swap;
            }
            return colours.Count;
        }
    }
}
'@
}

Export-ModuleMember -Function Get-BrowserSkipReason, Start-Browser, Stop-Browser, Open-Page, Get-LoadedImage
