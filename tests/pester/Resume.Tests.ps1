#Requires -Modules Pester
# The run record, -Resume and the run summary: tested where they break, by stopping batches at random moments and
# resuming until done.

Describe 'Run record, -Resume and the run summary' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path

        # Twenty different real PNGs (their bytes differ, so each is its own request).
        $script:inputs = Join-Path $TestDrive 'inputs'
        New-Item -ItemType Directory $inputs | Out-Null
        Get-ChildItem $suite -Filter 'bas*.png' | Select-Object -First 20 | ForEach-Object { Copy-Item $_.FullName (Join-Path $inputs $_.Name) }
        $script:twenty = @(Get-ChildItem $inputs -File | Sort-Object Name)

        # Runs a batch in its own runspace and stops it once the record has -StopAfter lines (or after -StopAfterMs).
        function Invoke-StoppedBatch([string] $Out, [int] $StopAfter = 0, [int] $StopAfterMs = 0, [switch] $Resume) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $Folder, $Out, $Key, $Base, $Resume)
                        Import-Module $Module
                        Get-ChildItem $Folder -File | Sort-Object Name | Edit-Image -Prompt 'make it night' -OutputDirectory $Out -ThrottleLimit 3 -Resume:$Resume `
                            -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
                    }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($inputs).AddArgument($Out).AddArgument($server.ApiKey).AddArgument($server.BaseUri).AddArgument($Resume.IsPresent)
                $async = $ps.BeginInvoke()
                $watch = [Diagnostics.Stopwatch]::StartNew()
                while (-not $async.IsCompleted) {
                    $lines = @(Read-RunRecord $Out -WhileWriting).Count
                    if (($StopAfter -gt 0 -and $lines -ge $StopAfter) -or ($StopAfterMs -gt 0 -and $watch.ElapsedMilliseconds -ge $StopAfterMs)) { $ps.Stop(); break }
                    Start-Sleep -Milliseconds 20
                }
                try { $null = $ps.EndInvoke($async) } catch { }
                -not $ps.HadErrors -and $ps.InvocationStateInfo.State -eq 'Completed'
            }
            finally { $ps.Dispose() }
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    It 'records what made each saved image: sources with their SHA-256, fields, prompt, model, files, request id and usage' {
        $out = Join-Path $TestDrive 'record'
        $results = $twenty[0..1] | Edit-Image -Prompt 'add snow' -Model gpt-image-2 -Quality high -ReferencePath $lighthouse -Count 2 -OutputDirectory $out
        $record = @(Read-RunRecord $out -WhileWriting)
        $record | Should -HaveCount 2
        foreach ($result in $results) {
            $line = $record | Where-Object requestId -EQ $result.RequestId
            $line.prompt | Should -Be 'add snow'
            $line.model | Should -Be 'gpt-image-2'
            $line.fields.quality | Should -Be 'high'
            $line.fields.n | Should -Be 2
            $line.sources[0].path | Should -Be $result.SourcePath
            $line.sources[0].sha256 | Should -Be (Get-Sha256 $result.SourcePath)
            $line.sources[0].length | Should -Be (Get-Item $result.SourcePath).Length
            $line.sources[1].role | Should -Be 'reference'
            $line.sources[1].sha256 | Should -Be (Get-Sha256 $lighthouse)
            $line.files | Should -HaveCount 2
            foreach ($file in $line.files) { Get-Sha256 (Join-Path $out $file.name) | Should -Be $file.sha256 }
            $line.usage.inputTokens | Should -Be $result.Usage.InputTokens
            $line.usage.outputTokens | Should -Be $result.Usage.OutputTokens
            $line.bodyForm | Should -Be 'multipart'
        }
    }

    It 'sends only the rest of a 20-file batch stopped after about half, and leaves exactly 20 results' {
        $out = Join-Path $TestDrive 'half'
        Set-TestApiScript $server @(@{ delayMs = 250; repeat = 40 })
        Invoke-StoppedBatch -Out $out -StopAfter 10 | Should -BeFalse -Because 'the first run is stopped'
        $done = @(Read-RunRecord $out -WhileWriting)
        $done.Count | Should -BeGreaterOrEqual 10
        $done.Count | Should -BeLessThan 20
        Reset-TestApiServer $server

        $results = Get-ChildItem $inputs -File | Edit-Image -Prompt 'make it night' -OutputDirectory $out -ThrottleLimit 3 -Resume -InformationVariable info

        $results | Should -HaveCount 20
        @($results | Where-Object Resumed) | Should -HaveCount $done.Count
        $sent = @(Get-TestApiRequest $server -EditsOnly)
        $sent | Should -HaveCount (20 - $done.Count)
        $sentNames = $sent | ForEach-Object { $_.files[0].fileName }
        $doneNames = $done | ForEach-Object { Split-Path $_.sources[0].path -Leaf }
        $sentNames | Where-Object { $_ -in $doneNames } | Should -BeNullOrEmpty -Because 'nothing already recorded is paid for twice'
        @(Get-SavedImage $out) | Should -HaveCount 20
        @(Read-RunRecord $out -WhileWriting) | Should -HaveCount 20
        $summary = ($info | Where-Object { 'RunSummary' -in $_.Tags }).MessageData
        $summary.Edited | Should -Be (20 - $done.Count)
        $summary.Resumed | Should -Be $done.Count
        $summary.Failed | Should -Be 0
    }

    It 'survives being stopped at random moments, again and again, until every input has one result and one record line' {
        $out = Join-Path $TestDrive 'random-stops'
        $random = [Random]::new(20261127)
        $complete = $false
        for ($round = 1; $round -le 10 -and -not $complete; $round++) {
            Reset-TestApiServer $server
            Set-TestApiScript $server @(@{ delayMs = 120; repeat = 40 })
            $before = @(Read-RunRecord $out -WhileWriting | ForEach-Object { Split-Path $_.sources[0].path -Leaf })
            $stopAt = if ($round -lt 6) { $random.Next(80, 900) } else { 0 }
            $complete = Invoke-StoppedBatch -Out $out -StopAfterMs $stopAt -Resume
            $sent = @(Get-TestApiRequest $server -EditsOnly | ForEach-Object { $_.files[0].fileName })
            $sent | Where-Object { $_ -in $before } | Should -BeNullOrEmpty -Because "round $round must not send what the record already had"
        }
        $complete | Should -BeTrue
        $record = @(Read-RunRecord $out -WhileWriting)
        $record | Should -HaveCount 20
        @($record | ForEach-Object { $_.sources[0].path } | Sort-Object -Unique) | Should -HaveCount 20
        @(Get-SavedImage $out) | Should -HaveCount 20
        @(Get-ChildItem -LiteralPath $out -Force -Filter '*.tmp') | Should -HaveCount 0
        foreach ($line in $record) { Get-Sha256 (Join-Path $out $line.files[0].name) | Should -Be $line.files[0].sha256 }
    }

    It 'sends again when the prompt or a field changes' {
        $out = Join-Path $TestDrive 'changed'
        $null = $twenty[0..2] | Edit-Image -Prompt 'first' -OutputDirectory $out
        Reset-TestApiServer $server
        $null = $twenty[0..2] | Edit-Image -Prompt 'second' -OutputDirectory $out -Resume
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
        Reset-TestApiServer $server
        $null = $twenty[0..2] | Edit-Image -Prompt 'second' -Quality low -OutputDirectory $out -Resume
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
        Reset-TestApiServer $server
        $again = $twenty[0..2] | Edit-Image -Prompt 'second' -Quality low -OutputDirectory $out -Resume
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 0
        $again | ForEach-Object { $_.Resumed | Should -BeTrue }
    }

    It 'sends again an input whose saved result was moved or edited, or whose source changed, and only that one' {
        $out = Join-Path $TestDrive 'tampered'
        $sources = Join-Path $TestDrive 'tampered-sources'
        New-Item -ItemType Directory $sources | Out-Null
        $files = $twenty[0..3] | ForEach-Object { Copy-Item $_.FullName $sources -PassThru }
        $first = $files | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1
        Move-Item -LiteralPath $first[0].Data[0].Path -Destination (Join-Path $TestDrive 'moved.png')
        Set-Content -LiteralPath $first[1].Data[0].Path -Value 'edited by hand'
        [IO.File]::WriteAllBytes($files[2].FullName, [IO.File]::ReadAllBytes($lighthouse))
        Reset-TestApiServer $server

        $second = $files | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -Resume

        $sent = @(Get-TestApiRequest $server -EditsOnly | ForEach-Object { $_.files[0].fileName })
        $sent | Sort-Object | Should -Be (@($files[0].Name, $files[1].Name, $files[2].Name) | Sort-Object)
        ($second | Where-Object Resumed).SourcePath | Should -Be $files[3].FullName
    }

    It 'resumes a stream with its completed event, marked as resumed' {
        $out = Join-Path $TestDrive 'stream'
        $null = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -OutputDirectory $out
        Reset-TestApiServer $server
        $events = @(Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -OutputDirectory $out -Resume)
        Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
        $events | Should -HaveCount 1
        $events[0].Type | Should -Be 'image_edit.completed'
        $events[0].Resumed | Should -BeTrue
        $events[0].GetB64Json() | Should -Be ([Convert]::ToBase64String([IO.File]::ReadAllBytes($events[0].Path)))
    }

    It 'warns once, before paying again, when the record''s results came from another endpoint (the same server by another host name)' {
        $out = Join-Path $TestDrive 'other-endpoint'
        $three = $twenty | Select-Object -First 3
        $null = $three | Edit-Image -Prompt 'make it night' -OutputDirectory $out
        Reset-TestApiServer $server
        $elsewhere = $server.BaseUri -replace '127\.0\.0\.1', 'localhost'
        $null = $three | Edit-Image -Prompt 'make it night' -OutputDirectory $out -Resume -BaseUri $elsewhere -WarningVariable warned -WarningAction SilentlyContinue
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
        $warned | Should -HaveCount 1
        $warned[0].Message | Should -BeLike "*has a result for $($three[0].Name) from another endpoint ($($server.BaseUri)/images/edits)*"
        $warned[0].Message | Should -BeLike "*the endpoint this command sends to ($elsewhere/images/edits)*"

        # Back at the endpoint that made them: nothing sent and nothing to warn of.
        Reset-TestApiServer $server
        $null = $three | Edit-Image -Prompt 'make it night' -OutputDirectory $out -Resume -WarningVariable quiet -WarningAction SilentlyContinue
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 0
        $quiet | Should -HaveCount 0
    }

    It 'says under -WhatIf -Resume how many inputs would be sent and how many resumed, and sends nothing' {
        $out = Join-Path $TestDrive 'whatif'
        $null = $twenty[0..4] | Edit-Image -Prompt 'x' -OutputDirectory $out
        Reset-TestApiServer $server
        $pwsh = @([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension($pwsh[0]) -eq 'dotnet') { $pwsh += Join-Path $PSHOME 'pwsh.dll' }
        $script = "Import-Module '$env:IMAGEEDIT_TEST_MODULE'; `$env:OPENAI_API_KEY = '$($server.ApiKey)'; `$env:OPENAI_BASE_URL = '$($server.BaseUri)'; " +
            "Get-ChildItem '$inputs' -File | Select-Object -First 8 | Edit-Image -Prompt 'x' -OutputDirectory '$out' -Resume -WhatIf"
        $text = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script | Out-String
        $text | Should -Match 'What if: 3 input\(s\) would be sent and 5 resumed from the run record'
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'sums the tokens of the answers in the summary and prints it only when asked' {
        $info = $null
        $results = $twenty[0..2] | Edit-Image -Prompt 'x' -InformationVariable info
        $summary = ($info | Where-Object { 'RunSummary' -in $_.Tags }).MessageData
        $summary.Edited | Should -Be 3
        $summary.ImagesSaved | Should -Be 0
        $summary.InputTokens | Should -Be ($results.Usage.InputTokens | Measure-Object -Sum).Sum
        $summary.OutputTokens | Should -Be ($results.Usage.OutputTokens | Measure-Object -Sum).Sum
        "$summary" | Should -BeLike 'Edited 3, resumed 0, failed 0; 0 image(s) saved;*'

        $failedRun = $null
        $null = $lighthouse, (Join-Path $TestDrive 'missing.png') | Edit-Image -Prompt 'x' -InformationVariable failedRun -ErrorAction SilentlyContinue
        (($failedRun | Where-Object { 'RunSummary' -in $_.Tags }).MessageData).Failed | Should -Be 1
    }

    It 'skips record lines edited by hand into nonsense, and goes on with the batch' {
        $out = Join-Path $TestDrive 'hand-edited'
        $null = $twenty[0..1] | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1
        $path = Join-Path $out 'imageedit-record.jsonl'
        $lines = @(Get-Content $path)
        $first = $lines[0] | ConvertFrom-Json
        $first.files[0].name = '../outside.png'
        $second = $lines[1] | ConvertFrom-Json
        $second.created = 99999999999999
        Set-Content $path @(($first | ConvertTo-Json -Depth 5 -Compress), ($second | ConvertTo-Json -Depth 5 -Compress), '{"v":1,"key":"k","files":null}')
        Reset-TestApiServer $server
        $results = $twenty[0..2] | Edit-Image -Prompt 'x' -OutputDirectory $out -ThrottleLimit 1 -Resume -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $results | Should -HaveCount 3
        @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
    }

    It 'refuses before sending when the run record cannot be written' {
        $out = Join-Path $TestDrive 'record-is-a-folder'
        New-Item -ItemType Directory (Join-Path $out 'imageedit-record.jsonl') -Force | Out-Null
        Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $out -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'OutputDirectoryNotUsable,*'
        $failures[0].Exception.Message | Should -BeLike '*run record*'
        Get-TestApiRequest $server | Should -BeNullOrEmpty
    }

    It 'resumes a source that was touched or copied under another name, since its bytes are the same' {
        $out = Join-Path $TestDrive 'touched'
        $copy = Join-Path $TestDrive 'touched-copy.png'
        Copy-Item $twenty[0].FullName $copy
        $null = Edit-Image -LiteralPath $copy -Prompt 'x' -OutputDirectory $out
        (Get-Item $copy).LastWriteTime = (Get-Date).AddDays(-3)
        Reset-TestApiServer $server
        $again = Edit-Image -LiteralPath $copy -Prompt 'x' -OutputDirectory $out -Resume
        $again.Resumed | Should -BeTrue
        Get-TestApiRequest $server -EditsOnly | Should -BeNullOrEmpty
    }

    It 'leaves none of a stopped stream''s partial images behind, so resuming makes no duplicates' {
        $out = Join-Path $TestDrive 'stopped-stream'
        Set-TestApiScript $server @(@{ pauseMs = 1500 })
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                    param($Module, $Image, $Out, $Key, $Base)
                    Import-Module $Module
                    Get-ImageEditStream $Image -Prompt 'x' -PartialImages 2 -OutputDirectory $Out -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
                }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($lighthouse).AddArgument($out).AddArgument($server.ApiKey).AddArgument($server.BaseUri)
            $async = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ([DateTime]::UtcNow -lt $deadline -and -not (Get-ChildItem -LiteralPath $out -Filter '*-partial-0.png' -ErrorAction SilentlyContinue)) { Start-Sleep -Milliseconds 20 }
            Get-ChildItem -LiteralPath $out -Filter '*-partial-0.png' | Should -Not -BeNullOrEmpty
            $ps.Stop()
            try { $null = $ps.EndInvoke($async) } catch { }
        }
        finally { $ps.Dispose() }
        @(Get-SavedImage $out) | Should -HaveCount 0
        Reset-TestApiServer $server
        $null = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 2 -OutputDirectory $out -Resume
        @(Get-SavedImage $out).Name | Sort-Object | Should -Be @('lighthouse-edited.png', 'lighthouse-partial-0.png', 'lighthouse-partial-1.png')
    }

    It 'skips its own run record when the output folder is piped back in' {
        $out = Join-Path $TestDrive 'second-pass'
        $null = $twenty[0..1] | Edit-Image -Prompt 'x' -OutputDirectory $out
        $again = Get-ChildItem $out | Edit-Image -Prompt 'y' -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $again | Should -HaveCount 2
    }

    It 'keeps the record whole when several runs append to one folder at once' {
        $out = Join-Path $TestDrive 'concurrent'
        $jobs = 1..4 | ForEach-Object {
            Start-ThreadJob -ArgumentList $env:IMAGEEDIT_TEST_MODULE, $inputs, $out, $server.ApiKey, $server.BaseUri, $_ -ScriptBlock {
                param($Module, $Folder, $Out, $Key, $Base, $Slice)
                Import-Module $Module
                Get-ChildItem $Folder -File | Sort-Object Name | Select-Object -Skip (($Slice - 1) * 5) -First 5 |
                    Edit-Image -Prompt "slice $Slice" -OutputDirectory $Out -ThrottleLimit 3 -ApiKey (ConvertTo-SecureString $Key -AsPlainText -Force) -BaseUri $Base
            }
        }
        $results = $jobs | Receive-Job -Wait -AutoRemoveJob
        $results | Should -HaveCount 20
        $lines = @(Get-Content -LiteralPath (Join-Path $out 'imageedit-record.jsonl'))
        $lines | Should -HaveCount 20
        $lines | ForEach-Object { { $_ | ConvertFrom-Json } | Should -Not -Throw }
    }
}
