#Requires -Modules Pester
# The HTTP core under the faults the local API server injects: retries, timeouts, Ctrl+C, atomic output, the key.

Describe 'Reliable and safe HTTP core' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'

        # Runs a script in its own runspace, waits until the server has received $Requests edit requests, then presses
        # Ctrl+C ([powershell]::Stop()) and says how long stopping took.
        # -WaitForFile: also wait until that file exists (e.g. a partial image saved) before stopping.
        function Stop-WhileRunning([scriptblock] $Script, [object[]] $Arguments, [int] $Requests = 1, [int] $ExtraWaitMs = 0, [string] $WaitForFile) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript($Script)
                foreach ($argument in $Arguments) { $null = $ps.AddArgument($argument) }
                $null = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(10)
                while (@(Get-TestApiRequest $server -EditsOnly).Count -lt $Requests -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 25 }
                while ($WaitForFile -and -not (Test-Path -LiteralPath $WaitForFile) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 25 }
                if ($WaitForFile) { $WaitForFile | Should -Exist -Because 'the stream is stopped only once its first partial image is saved' }
                Start-Sleep -Milliseconds $ExtraWaitMs
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed
            }
            finally { $ps.Dispose() }
        }
        $script:inRunspace = {
            param($Module, $Key, $Base, $Command)
            Import-Module $Module
            $env:OPENAI_API_KEY = $Key
            $env:OPENAI_BASE_URL = $Base
            & ([scriptblock]::Create($Command))
        }
    }

    AfterAll {
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
    }

    Context 'retries' {
        It 'retries <Status> and says so in Verbose with the status and request id' -ForEach @(
            @{ Status = 408 }, @{ Status = 409 }, @{ Status = 429 }, @{ Status = 500 }, @{ Status = 502 }, @{ Status = 503 }
        ) {
            Set-TestApiScript $server @(@{ status = $Status; headers = @{ 'retry-after-ms' = '20' } })

            $output = Edit-Image $lighthouse -Prompt 'x' -Verbose 4>&1

            @($output | Where-Object { $_ -is [ImageEdit.Models.ImageEditResult] }) | Should -HaveCount 1
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
            $retryLine = ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Where-Object { $_ -like 'Try 1 failed*' }
            $retryLine | Should -BeLike "Try 1 failed (HTTP $Status (request id req_test*)); trying again in * s with the body rebuilt from the files."
        }

        It 'never retries another 4xx' {
            Set-TestApiScript $server @(@{ status = 422; body = '{"error":{"message":"Unprocessable.","type":"invalid_request_error","param":null,"code":null}}' })
            Edit-Image $lighthouse -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiUnprocessable,*'
        }

        It 'lets x-should-retry: false stop a retry and x-should-retry: true force one' {
            Set-TestApiScript $server @(@{ status = 500; headers = @{ 'x-should-retry' = 'false' } })
            Edit-Image $lighthouse -Prompt 'x' -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1

            Reset-TestApiServer $server
            Set-TestApiScript $server @(@{ status = 400; headers = @{ 'x-should-retry' = 'true'; 'retry-after-ms' = '10' } })
            Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
        }

        It 'waits what retry-after-ms, then retry-after asks' {
            Set-TestApiScript $server @(@{ status = 429; headers = @{ 'retry-after-ms' = '1200' } }, @{ status = 503; headers = @{ 'retry-after' = '1' } })
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 2.2
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
        }

        It 'gives up after -MaximumRetryCount more tries with the last error' {
            Set-TestApiScript $server @(@{ status = 500; headers = @{ 'retry-after-ms' = '5' }; repeat = 4 })
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 3 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 4
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiServerError,*'
            $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        }

        It 'tries once with -MaximumRetryCount 0' {
            Set-TestApiScript $server @(@{ status = 503 })
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 0 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }

        It 'retries a dropped connection and, when it keeps dropping, reports ConnectionFailed' {
            Set-TestApiScript $server @(@{ action = 'drop' })
            Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1

            Reset-TestApiServer $server
            Set-TestApiScript $server @(@{ action = 'drop'; repeat = 2 })
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 1 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
            $failures[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $failures[0].Exception.Message | Should -BeLike '*before any answer arrived*Gave up after 2 tries.*may have carried it out*'
        }

        It 'retries an answer cut short and names the status and request id when it keeps being cut' {
            Set-TestApiScript $server @(@{ action = 'truncate'; repeat = 2 })
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 1 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
            $failures[0].Exception.Message | Should -BeLike '*while reading the HTTP 200 answer (request id req_test*'
        }
    }

    Context 'timeouts' {
        It 'abandons a try after -TimeoutSec with an OperationTimeout error' {
            Set-TestApiScript $server @(@{ delayMs = 4000 })
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Edit-Image $lighthouse -Prompt 'x' -TimeoutSec 1 -MaximumRetryCount 0 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'Timeout,*'
            $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        }

        It 'retries a timeout' {
            Set-TestApiScript $server @(@{ delayMs = 3000 })
            Edit-Image $lighthouse -Prompt 'x' -TimeoutSec 1 | Should -HaveCount 1
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
        }

        It 'fails a stream that goes quiet for -TimeoutSec' {
            Set-TestApiScript $server @(@{ pauseMs = 3000 })
            $events = Get-ImageEditStream $lighthouse -Prompt 'x' -PartialImages 1 -TimeoutSec 1 -ErrorVariable failures -ErrorAction SilentlyContinue
            $events | Should -HaveCount 1
            $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        }
    }

    Context 'Ctrl+C' {
        It 'cancels a request in flight within a second and leaves no file' {
            Set-TestApiScript $server @(@{ delayMs = 15000 })
            $out = Join-Path $TestDrive 'cancelled'
            $elapsed = Stop-WhileRunning $inRunspace @($env:IMAGEEDIT_TEST_MODULE, $server.ApiKey, $server.BaseUri, "Edit-Image '$lighthouse' -Prompt x -OutputDirectory '$out'")
            $elapsed.TotalSeconds | Should -BeLessThan 1
            Start-Sleep -Milliseconds 700
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
            @(Get-SavedImage $out -ErrorAction SilentlyContinue) | Should -HaveCount 0
        }

        It 'stops the wait before a retry, and tries no more' {
            Set-TestApiScript $server @(@{ status = 503; headers = @{ 'retry-after' = '30' } })
            $elapsed = Stop-WhileRunning $inRunspace @($env:IMAGEEDIT_TEST_MODULE, $server.ApiKey, $server.BaseUri, "Edit-Image '$lighthouse' -Prompt x") -ExtraWaitMs 300
            $elapsed.TotalSeconds | Should -BeLessThan 1
            Start-Sleep -Milliseconds 700
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }

        It 'stops a stream between events and leaves no partial file' {
            Set-TestApiScript $server @(@{ pauseMs = 5000 })
            $out = Join-Path $TestDrive 'stream-cancelled'
            $elapsed = Stop-WhileRunning $inRunspace @($env:IMAGEEDIT_TEST_MODULE, $server.ApiKey, $server.BaseUri, "Get-ImageEditStream '$lighthouse' -Prompt x -PartialImages 2 -OutputDirectory '$out'") -WaitForFile (Join-Path $out 'lighthouse-partial-0.png')
            $elapsed.TotalSeconds | Should -BeLessThan 1
            # The partial image saved before the stop is gone, and so is any temporary file (.imageedit-*.tmp, hidden).
            @(Get-SavedImage $out).Name | Should -BeNullOrEmpty
        }
    }

    Context 'files' {
        It 'overwrites an existing file only with -Force' {
            $out = Join-Path $TestDrive 'force'
            New-Item -ItemType Directory $out | Out-Null
            Set-Content (Join-Path $out 'lighthouse-edited.png') 'old'
            $result = Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $out -Force
            $result.Data[0].Path | Should -Be (Join-Path $out 'lighthouse-edited.png')
            (Get-FileHash -LiteralPath $result.Data[0].Path -Algorithm SHA256).Hash.ToLowerInvariant() | Should -Be (Get-TestApiRequest $server -EditsOnly).returnedImageSha256[0]
            @(Get-SavedImage $out) | Should -HaveCount 1
        }

        It 'leaves nothing behind for a request that fails' {
            $out = Join-Path $TestDrive 'failed'
            Set-TestApiScript $server @(@{ status = 400 })
            Edit-Image $lighthouse -Prompt 'x' -OutputDirectory $out -ErrorAction SilentlyContinue
            @(Get-SavedImage $out -ErrorAction SilentlyContinue) | Should -HaveCount 0
        }
    }

    Context 'bad answers' {
        It '<Name> becomes <Id> naming the status, the request id and an excerpt' -ForEach @(
            @{ Name = 'an HTML error page from a proxy'; Step = @{ action = 'html'; status = 502 }; Id = 'ApiServerError'; Excerpt = '*502 Bad Gateway*' }
            @{ Name = 'a 200 HTML page'; Step = @{ action = 'html'; status = 200 }; Id = 'ApiInvalidAnswer'; Excerpt = '*text/html*<html>*' }
            @{ Name = 'invalid JSON'; Step = @{ status = 200; body = '{"created": 1, "data": [ {"b64_json": "abc"'; contentType = 'application/json' }; Id = 'ApiInvalidAnswer'; Excerpt = '*could not read*{"created": 1*' }
            @{ Name = 'a 200 without images'; Step = @{ status = 200; body = '{"created": 1, "data": []}'; contentType = 'application/json' }; Id = 'ApiInvalidAnswer'; Excerpt = '*without images*' }
            @{ Name = 'an unexpected content type'; Step = @{ status = 200; body = 'OK'; contentType = 'text/plain' }; Id = 'ApiInvalidAnswer'; Excerpt = '*not JSON*text/plain*"OK"*' }
            @{ Name = 'an error without an error object'; Step = @{ status = 500; body = 'Internal Server Error'; contentType = 'text/plain' }; Id = 'ApiServerError'; Excerpt = '*without an OpenAI error object*Internal Server Error*' }
        ) {
            Set-TestApiScript $server @($Step)
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 0 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
            $failures[0].Exception | Should -BeOfType ([ImageEdit.Http.ApiException])
            $failures[0].Exception.Message | Should -BeLike $Excerpt
            $failures[0].Exception.Message | Should -BeLike "*HTTP $($Step.status)*request id req_test*"
        }
    }

    Context 'the key' {
        It 'never shows the key in Verbose, Debug, Warning, errors, formatted objects or a transcript' {
            $transcript = Join-Path $TestDrive 'transcript.txt'
            $key = $server.ApiKey
            Start-Transcript -LiteralPath $transcript | Out-Null
            try {
                $DebugPreference = 'Continue'
                $result = Edit-Image $lighthouse -Prompt 'x' -Verbose -Mask (Join-Path $PSScriptRoot '../fixtures/opaque-256.png')
                $result | Format-List * -Force | Out-Host
                $result | Format-Table | Out-Host
                Set-TestApiScript $server @(@{ status = 400 }, @{ action = 'html'; status = 503; repeat = 3 })
                Edit-Image $lighthouse -Prompt 'x' -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue
                Edit-Image $lighthouse -Prompt 'x' -Verbose -ErrorVariable +failures -ErrorAction SilentlyContinue
                Edit-Image $lighthouse -Prompt 'x' -ApiKey (ConvertTo-SecureString 'sk-wrong-and-secret-1234' -AsPlainText -Force) -Verbose -ErrorVariable +failures -ErrorAction SilentlyContinue
                $failures | Format-List * -Force | Out-Host
                $failures.Exception | Format-List * -Force | Out-Host
                $failures | ForEach-Object { $_.ToString(); $_.Exception.ToString() } | Out-Host
            }
            finally {
                $DebugPreference = 'SilentlyContinue'
                Stop-Transcript | Out-Null
            }
            $failures | Should -HaveCount 3
            $text = Get-Content -Raw -LiteralPath $transcript
            $text | Should -BeLike '*VERBOSE: POST*'
            $text | Should -BeLike '*DEBUG: Request headers: Authorization: Bearer (hidden)*'
            $text | Should -Not -BeLike "*$key*"
            $text | Should -Not -BeLike '*sk-wrong-and-secret-1234*'
        }

        It 'writes Verbose and Debug lines when -Verbose, -Debug or their preference asks, and only then' {
            function Get-Lines([scriptblock] $Command) { @(& $Command 4>&1 5>&1 | Where-Object { $_ -is [System.Management.Automation.InformationalRecord] } | ForEach-Object { $_.GetType().Name + ':' + $_.Message }) }
            Get-Lines { Edit-Image -LiteralPath $lighthouse -Prompt 'quiet' } | Should -BeNullOrEmpty
            Get-Lines { Edit-Image -LiteralPath $lighthouse -Prompt 'verbose' -Verbose } | Should -Contain "VerboseRecord:POST $($server.BaseUri)/images/edits for lighthouse.png"
            Get-Lines { Edit-Image -LiteralPath $lighthouse -Prompt 'debug' -Debug } | Should -BeLike 'DebugRecord:Request headers:*'
            $VerbosePreference = 'Continue'
            try {
                Get-Lines { Edit-Image -LiteralPath $lighthouse -Prompt 'preference' } | Should -Contain "VerboseRecord:POST $($server.BaseUri)/images/edits for lighthouse.png"
                Get-Lines { Edit-Image -LiteralPath $lighthouse -Prompt 'switched off' -Verbose:$false } | Should -BeNullOrEmpty
            }
            finally {
                $VerbosePreference = 'SilentlyContinue'
            }
        }

        It 'sends the key to the same origin on a redirect, and never to another' {
            $sameOrigin = "$($server.Root)/v1/images/edits"
            Set-TestApiScript $server @(@{ action = 'redirect'; status = 307; location = $sameOrigin })
            Edit-Image $lighthouse -Prompt 'x' | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly)[1].headers.Authorization | Should -Be "Bearer $($server.ApiKey)"

            Reset-TestApiServer $server
            $otherOrigin = $sameOrigin -replace '127\.0\.0\.1', 'localhost'
            Set-TestApiScript $server @(@{ action = 'redirect'; status = 308; location = $otherOrigin })
            Edit-Image $lighthouse -Prompt 'x' -MaximumRetryCount 0 -ErrorVariable failures -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $second = (Get-TestApiRequest $server -EditsOnly)[1]
            $second.headers.Host | Should -BeLike 'localhost:*'
            $second.headers.PSObject.Properties.Name | Should -Not -Contain 'Authorization'
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ApiUnauthorized,*'
        }

        It 'lets -AllowUnencryptedAuthentication send over plain http to another host' {
            Edit-Image $lighthouse -Prompt 'x' -BaseUri 'http://imageedit.invalid/v1' -AllowUnencryptedAuthentication -MaximumRetryCount 0 -TimeoutSec 5 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        }
    }

    Context 'soak' {
        It 'delivers each of 100 edits exactly once through 20% transient faults' {
            $inputs = Join-Path $TestDrive 'soak-in'
            $out = Join-Path $TestDrive 'soak-out'
            New-Item -ItemType Directory $inputs | Out-Null
            1..100 | ForEach-Object { Copy-Item $lighthouse (Join-Path $inputs ('soak-{0:D3}.png' -f $_)) }
            $faults = @(
                @{ status = 500; headers = @{ 'retry-after-ms' = '5' } }
                @{ status = 503; headers = @{ 'retry-after-ms' = '5' } }
                @{ status = 429; headers = @{ 'retry-after-ms' = '5' } }
                @{ action = 'drop' }
                @{ action = 'truncate' }
            )
            # One file in five meets one transient fault on its first try, whatever order the concurrent requests arrive in.
            $steps = for ($i = 1; $i -le 100; $i++) {
                if ($i % 5 -eq 0) { $faults[($i / 5) % $faults.Count] + @{ fileName = ('soak-{0:D3}.png' -f $i) } }
            }
            Set-TestApiScript $server $steps

            $results = Get-ChildItem $inputs | Edit-Image -Prompt 'soak' -OutputDirectory $out -ErrorVariable failures

            $failures | Should -BeNullOrEmpty
            $results | Should -HaveCount 100
            @($results.SourcePath | Sort-Object -Unique) | Should -HaveCount 100
            # Exactly one image per input and nothing else: the answers cut short (truncate) left no temporary file.
            @(Get-SavedImage $out).Name | Sort-Object | Should -Be @(1..100 | ForEach-Object { 'soak-{0:D3}-edited.png' -f $_ })
            $requests = Get-TestApiRequest $server -EditsOnly
            @($requests | Where-Object { $_.status -eq 200 -and $_.outcome -ne 'truncated' }) | Should -HaveCount 100
            @($requests).Count | Should -Be 120
        }
    }
}
