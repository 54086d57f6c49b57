#Requires -Modules Pester
# The import warm-up (README, "A quick first command"): a background thread started by Import-Module that prepares the
# first edit. Its promises, tried in fresh pwsh processes as users start them: it sends nothing, writes nothing, fails
# in none of its steps, does not get in the way of a first edit that starts at once, lets pwsh exit at once, and
# $env:IMAGEEDIT_NO_WARMUP = '1' turns it off.

Describe 'Import warm-up' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:lighthouse = Join-Path $PSScriptRoot '../../samples/lighthouse.png' | Resolve-Path | Select-Object -ExpandProperty Path

        # The warm-up of the latest import, read by reflection (internal): $null when none was started.
        # The saving warm-up, started by the first command that saves into a folder.
        $script:savingWarmUp = "[ImageEdit.Commands.ImportWarmUp].Assembly.GetType('ImageEdit.Output.SavingWarmUp').GetProperty('Latest', [Reflection.BindingFlags]'NonPublic,Static').GetValue(`$null)"
        $script:latestWarmUp = "[ImageEdit.Commands.ImportWarmUp].GetProperty('Latest', [Reflection.BindingFlags]'NonPublic,Static').GetValue(`$null)"

        # Runs a script after Import-Module in a fresh pwsh whose current folder and temporary folder are new and empty;
        # returns its output lines, errors, exit code and the files left in both folders.
        function Invoke-Imported([string] $Name, [string] $Script, [hashtable] $Environment = @{}) {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
            $temp = New-Item -ItemType Directory (Join-Path $TestDrive "$Name-tmp")
            $variables = [hashtable]::new([StringComparer]::Ordinal)
            foreach ($entry in @{ TMPDIR = $temp.FullName; OPENAI_API_KEY = $server.ApiKey; OPENAI_BASE_URL = $server.BaseUri; IMAGEEDIT_NO_WARMUP = $null }.GetEnumerator()) { $variables[$entry.Key] = $entry.Value }
            foreach ($entry in $Environment.GetEnumerator()) { $variables[$entry.Key] = $entry.Value }
            $run = Invoke-FreshPwsh "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; $Script" -WorkingDirectory $folder.FullName -Environment $variables
            [pscustomobject]@{
                ExitCode = $run.ExitCode
                Output   = @($run.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ })
                Errors   = $run.Errors
                Left     = @(Get-ChildItem -LiteralPath $folder, $temp -Recurse -Force)
            }
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'finishes every step, sends nothing and leaves no file' {
        $run = Invoke-Imported 'quiet' "`$warmUp = $latestWarmUp; if (`$warmUp) { `$failures = `$warmUp.GetAwaiter().GetResult(); 'failures:' + `$failures.Count; `$failures | ForEach-Object { `$_.ToString() } } else { 'not started' }"
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('failures:0')
        @(Get-TestApiRequest $server) | Should -HaveCount 0
        $run.Left | Should -BeNullOrEmpty
    }

    It 'does not get in the way of a first edit started at once (trial <_>)' -ForEach (1..5) {
        $run = Invoke-Imported "race-$_" "`$result = Edit-Image -LiteralPath '$lighthouse' -Prompt 'at once'; 'edited:' + @(`$result).Count + ':' + (`$result.Data[0].B64Json.Length -gt 0); 'failures:' + ($latestWarmUp).GetAwaiter().GetResult().Count"
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('edited:1:True', 'failures:0')
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        $run.Left | Should -BeNullOrEmpty
    }

    It 'runs once in a process, however often the module is imported (runspaces, -Force)' {
        $script = "`$first = $latestWarmUp; 1..4 | ForEach-Object -Parallel { Import-Module `$using:env:IMAGEEDIT_TEST_MODULE } -ThrottleLimit 4; " +
            "`$null = Start-ThreadJob { Import-Module `$using:env:IMAGEEDIT_TEST_MODULE } | Receive-Job -Wait -AutoRemoveJob; Import-Module `$env:IMAGEEDIT_TEST_MODULE -Force; " +
            "'same:' + [object]::ReferenceEquals(`$first, ($latestWarmUp)); 'failures:' + `$first.GetAwaiter().GetResult().Count"
        $run = Invoke-Imported 'once' $script -Environment @{ IMAGEEDIT_TEST_MODULE = $env:IMAGEEDIT_TEST_MODULE }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('same:True', 'failures:0')
    }

    It 'lets pwsh exit at once, cleanly, while it is still running' {
        $run = Invoke-Imported 'exit' 'exit 3'
        $run.ExitCode | Should -Be 3
        $run.Errors | Should -BeNullOrEmpty
        $run.Left | Should -BeNullOrEmpty
    }

    It 'leaves the proxy to be read by the first request: $env:HTTP_PROXY set after Import-Module is used' {
        # The local server stands in for the proxy: a request for http://imageedit-proxy.invalid/v1/images/edits sent
        # through it reaches its edits endpoint; sent directly, it fails to resolve the .invalid name.
        $script = "`$null = ($latestWarmUp).GetAwaiter().GetResult(); `$env:HTTP_PROXY = '$($server.Root)'; " +
            "`$result = Edit-Image -LiteralPath '$lighthouse' -Prompt 'through the proxy' -BaseUri 'http://imageedit-proxy.invalid/v1' -AllowUnencryptedAuthentication; 'edited:' + @(`$result).Count"
        $noProxy = [hashtable]::new([StringComparer]::Ordinal)
        foreach ($name in 'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'all_proxy', 'no_proxy') { $noProxy[$name] = $null }
        $run = Invoke-Imported 'proxy' $script $noProxy
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('edited:1')
        $request = @(Get-TestApiRequest $server -EditsOnly)
        $request | Should -HaveCount 1
        $request[0].headers.Host | Should -Be 'imageedit-proxy.invalid'
    }

    It 'the first command that saves warms saving up beside its request (issue 23): every step done, nothing left in the folder but its result and record' {
        $script = "`$null = Edit-Image -LiteralPath '$lighthouse' -Prompt 'saved' -OutputDirectory out; `$warmUp = $savingWarmUp; " +
            "if (`$warmUp) { 'failures:' + `$warmUp.GetAwaiter().GetResult().Count } else { 'not started' }; Get-ChildItem out -Force | ForEach-Object Name | Sort-Object"
        $run = Invoke-Imported 'saving' $script
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('failures:0', 'imageedit-record.jsonl', 'lighthouse-edited.png')
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
    }

    It 'is off when $env:IMAGEEDIT_NO_WARMUP is 1, and the first edit still works' {
        $run = Invoke-Imported 'off' "'started:' + (`$null -ne ($latestWarmUp)); 'edited:' + @(Edit-Image -LiteralPath '$lighthouse' -Prompt 'no warm-up' -OutputDirectory out).Count; 'saving started:' + (`$null -ne ($savingWarmUp))" @{ IMAGEEDIT_NO_WARMUP = '1' }
        $run.Errors | Should -BeNullOrEmpty
        $run.Output | Should -Be @('started:False', 'edited:1', 'saving started:False')
    }
}
