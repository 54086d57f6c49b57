#Requires -Modules Pester
# Never stranded by the API (issue 20, items 3 and 4): what the rules table has never heard of is sent with a warning,
# not refused; no -Model is checked only by what every current model shares; a PNG with bytes after its IEND is sent;
# and the model lifecycle reads the shutdown dates of GET /v1/models (cached per endpoint for a day), never letting a
# failing or silent model list stop or fail an edit.

Describe 'Never stranded by the API' {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestApiServer.psm1') -Force
        $script:server = Enter-ImageEditTestSession
        $script:samples = Join-Path $PSScriptRoot '../../samples' | Resolve-Path | Select-Object -ExpandProperty Path
        $script:lighthouse = Join-Path $samples 'lighthouse.png'
        $script:harbour = Join-Path $samples 'harbour.jpg'
        $script:key = ConvertTo-SecureString $server.ApiKey -AsPlainText -Force
        function Get-Field($Request, [string] $Name) { ($Request.fields | Where-Object name -EQ $Name).value }
        function Set-TestModels([object[]] $Models) {
            Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/models" -Body (ConvertTo-Json -InputObject @($Models) -Depth 5) -ContentType 'application/json' | Out-Null
        }
        function Get-ModelListRequest { @(Get-TestApiRequest $server | Where-Object { $_.method -eq 'GET' -and $_.path -like '*/models' }) }
        $script:savedToday = $env:IMAGEEDIT_TODAY
        $script:savedCache = $env:IMAGEEDIT_CACHE_DIR
    }

    AfterAll {
        $env:IMAGEEDIT_TODAY = $savedToday
        $env:IMAGEEDIT_CACHE_DIR = $savedCache
        Exit-ImageEditTestSession $server
    }

    BeforeEach {
        Reset-TestApiServer $server
        $env:IMAGEEDIT_TODAY = '2026-12-04'
        # Every test starts with an empty model-list cache of its own.
        $env:IMAGEEDIT_CACHE_DIR = Join-Path $TestDrive ([guid]::NewGuid().ToString('n'))
    }

    Context 'values and models the table has never heard of' {
        It 'sends -Quality ultra to gpt-image-2 as given, with one warning for the command that names the value and the model' {
            Set-TestModels @(@{ id = 'gpt-image-2'; values = @{ quality = @('ultra') } })
            $results = $lighthouse, $harbour | Edit-Image -Prompt 'x' -Model gpt-image-2 -Quality ultra -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -BeNullOrEmpty
            $results | Should -HaveCount 2
            $edits = @(Get-TestApiRequest $server -EditsOnly)
            $edits | Should -HaveCount 2
            $edits | ForEach-Object { Get-Field $_ 'quality' | Should -BeExactly 'ultra' }
            $valueWarnings = @($warnings | Where-Object { "$_" -like "*'ultra'*" })
            $valueWarnings | Should -HaveCount 1
            $valueWarnings[0] | Should -BeLike '*-Quality*gpt-image-2*sent as given*'
        }

        It 'sends a new -OutputFormat as given in the JSON body too, with a warning' {
            Set-TestModels @(@{ id = 'gpt-image-2'; values = @{ output_format = @('avif') } })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -OutputFormat avif -Moderation low -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            $edit = @(Get-TestApiRequest $server -EditsOnly)
            $edit | Should -HaveCount 1
            $edit[0].bodyForm | Should -Be 'json'
            Get-Field $edit[0] 'output_format' | Should -BeExactly 'avif'
            @($warnings | Where-Object { "$_" -like "*-OutputFormat 'avif'*gpt-image-2*" }) | Should -HaveCount 1
        }

        It 'writes a value the table has never heard of into each batch line as given, with one warning' {
            Set-TestModels @(@{ id = 'gpt-image-2'; values = @{ quality = @('ultra') } })
            $out = Join-Path $TestDrive 'batch-ultra'
            $batch = $lighthouse, $harbour | Start-ImageEditBatch -Prompt 'x' -Model gpt-image-2 -Quality ultra -OutputDirectory $out -WarningVariable warnings -WarningAction SilentlyContinue
            $batch | Should -HaveCount 1
            @($warnings | Where-Object { "$_" -like "*-Quality 'ultra'*gpt-image-2*" }) | Should -HaveCount 1
            Invoke-RestMethod -Method Post -Uri "$($server.Root)/_control/batches/$($batch.Id)/advance" -Body (@{ to = 'completed' } | ConvertTo-Json) -ContentType 'application/json' | Out-Null
            $lines = @(Invoke-RestMethod -Uri "$($server.Root)/_control/batches" | ForEach-Object { $_ })
            $lines | Should -HaveCount 2
            $lines | ForEach-Object { Get-Field $_ 'quality' | Should -BeExactly 'ultra' }
            ($batch | Receive-ImageEditBatch) | Should -HaveCount 2
        }

        It 'still refuses, with nothing sent, a value the table knows the model refuses' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -Quality standard -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotSupportedByModel,*'
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }

        It 'sends a model the table does not know, with one warning per command that names it' {
            $null = $lighthouse, $harbour, $lighthouse | Edit-Image -Prompt 'x' -Model 'gpt-image-2.6-flair' -WarningVariable warnings -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
            $modelWarnings = @($warnings | Where-Object { "$_" -like "*'gpt-image-2.6-flair'*" })
            $modelWarnings | Should -HaveCount 1
            $modelWarnings[0] | Should -BeLike "*not in ImageEdit's rules table*sent as given*"
        }

        It 'does not take an Azure deployment name for an unknown model' {
            $null = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -ApiKey $key -Model 'my-image-deployment' -WarningVariable warnings -ErrorAction SilentlyContinue
            $null = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -ApiKey $key -Deployment 'team-images' -WarningVariable deploymentWarnings -ErrorAction SilentlyContinue
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 2
            $warnings | Should -BeNullOrEmpty
            $deploymentWarnings | Should -BeNullOrEmpty
        }
    }

    Context 'no -Model: only what every current model shares' {
        It 'sends a custom size a current model takes, though retired models lacked it' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Size 1536x864 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Where-Object { $_.FullyQualifiedErrorId -like 'SizeNotSupportedByModel,*' } | Should -BeNullOrEmpty
            $edit = @(Get-TestApiRequest $server -EditsOnly)
            $edit | Should -HaveCount 1
            Get-Field $edit[0] 'size' | Should -Be '1536x864'
            $edit[0].fields.name | Should -Not -Contain 'model'
        }

        It 'sends a value no model in the table takes, with a warning naming the default model' {
            # The server's default model, for an edit that names none.
            Set-TestModels @(@{ id = 'gpt-image-1.5'; values = @{ quality = @('ultra') } })
            $result = Edit-Image $lighthouse -Prompt 'x' -Quality ultra -WarningVariable warnings -WarningAction SilentlyContinue
            $result | Should -HaveCount 1
            Get-Field (Get-TestApiRequest $server -EditsOnly) 'quality' | Should -BeExactly 'ultra'
            @($warnings | Where-Object { "$_" -like "*'ultra'*the API's default model*" }) | Should -HaveCount 1
        }

        It 'refuses what no current model takes: -Quality standard and -ResponseFormat' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Quality standard -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ValueNotSupportedByModel,*'
            $null = Edit-Image $lighthouse -Prompt 'x' -ResponseFormat b64_json -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'ParameterNotSupportedByModel,*'
            Get-TestApiRequest $server | Should -BeNullOrEmpty
        }
    }

    Context 'a PNG with bytes after its IEND chunk' {
        BeforeAll {
            $script:padded = Join-Path $TestDrive 'padded.png'
            $bytes = [IO.File]::ReadAllBytes($lighthouse) + [Text.Encoding]::ASCII.GetBytes('appended metadata: camera=XYZ; ' * 40) + [byte[]]::new(512)
            [IO.File]::WriteAllBytes($padded, $bytes)
            $script:paddedLength = $bytes.Length
        }

        It 'sends it whole by multipart' {
            $result = Edit-Image $padded -Prompt 'x' -Model gpt-image-2 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -BeNullOrEmpty
            $result | Should -HaveCount 1
            (Get-TestApiRequest $server -EditsOnly).files[0].length | Should -Be $paddedLength
        }

        It 'sends it as a data URL in the JSON body, and as a mask' {
            $result = Edit-Image $padded -Prompt 'x' -Model gpt-image-2 -Moderation low -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -BeNullOrEmpty
            $result | Should -HaveCount 1
            $result = Edit-Image $lighthouse -Mask $padded -Prompt 'x' -Model gpt-image-2 -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -BeNullOrEmpty
            $result | Should -HaveCount 1
        }

        It 'still refuses a PNG whose chunk fails its CRC check' {
            $suite = Join-Path $PSScriptRoot '../corpus/pngsuite' | Resolve-Path | Select-Object -ExpandProperty Path
            $null = Edit-Image (Join-Path $suite 'xcsn0g01.png') -Prompt 'x' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            "$($failures[0])" | Should -BeLike '*CRC*'
        }
    }

    Context 'the model lifecycle from GET /v1/models' {
        It 'warns from the shutdown date the model list gives, for a model the table gives none' {
            Set-TestModels @(@{ id = 'gpt-image-2'; shutdown_date = '2027-01-15' })
            $result = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -WarningVariable warnings -WarningAction SilentlyContinue
            $result | Should -HaveCount 1
            $warnings | Should -HaveCount 1
            $warnings[0] | Should -BeLike '*OpenAI shuts gpt-image-2 down on 2027-01-15 (42 days from now)*'
            Get-ModelListRequest | Should -HaveCount 1
        }

        It 'takes the API''s date over the table''s (a postponed shutdown)' {
            Set-TestModels @(@{ id = 'gpt-image-1.5'; shutdown_date = '2027-02-01' }, @{ id = 'gpt-image-2' })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -HaveCount 1
            $warnings[0] | Should -BeLike '*shuts gpt-image-1.5 down on 2027-02-01 (59 days from now)*-Model *'
        }

        It 'reads the list once per command and then from the cache, for a day' {
            Set-TestModels @(@{ id = 'gpt-image-2'; shutdown_date = '2027-01-15' })
            $null = $lighthouse, $harbour | Edit-Image -Prompt 'x' -Model gpt-image-2 -WarningAction SilentlyContinue
            Get-ModelListRequest | Should -HaveCount 1
            Get-ChildItem $env:IMAGEEDIT_CACHE_DIR -File | Should -HaveCount 1
            # The API changes its mind; the cache, a day old at most, still says what it said.
            Set-TestModels @(@{ id = 'gpt-image-2'; shutdown_date = '2027-03-01' })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings[0] | Should -BeLike '*gpt-image-2 down on 2027-01-15*'
            Get-ModelListRequest | Should -HaveCount 1
        }

        It 'reads the list again when the cache file is corrupt' {
            Set-TestModels @(@{ id = 'gpt-image-2'; shutdown_date = '2027-01-15' })
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -WarningAction SilentlyContinue
            $file = Get-ChildItem $env:IMAGEEDIT_CACHE_DIR -File
            Set-Content -LiteralPath $file.FullName -Value '{"endpoint": "http://broken' -NoNewline
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $warnings[0] | Should -BeLike '*gpt-image-2 down on 2027-01-15*'
            Get-ModelListRequest | Should -HaveCount 2
        }

        It 'edits, warning from the table, when the model list answers 500' {
            $env:IMAGEEDIT_TODAY = '2026-11-01'
            Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/models'; action = 'status'; status = 500; repeat = 5 })
            $result = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-1.5 -WarningVariable warnings -WarningAction SilentlyContinue -ErrorVariable failures
            $failures | Should -BeNullOrEmpty
            $result | Should -HaveCount 1
            @(Get-TestApiFault $server) | Should -HaveCount 1
            $warnings | Should -HaveCount 1
            $warnings[0] | Should -BeLike '*shuts gpt-image-1.5 down on 2026-12-01*'
            Get-ChildItem $env:IMAGEEDIT_CACHE_DIR -File -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }

        It 'edits within a moment when the model list never answers' {
            Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/models'; action = 'hang-after' })
            # Run in a runspace of its own, so that a model list waited for as long as the edit's -TimeoutSec fails the test instead of hanging it.
            $runspace = [powershell]::Create()
            $null = $runspace.AddScript({
                    param($Module, $Image, $Cache, $Today)
                    $env:IMAGEEDIT_CACHE_DIR = $Cache
                    $env:IMAGEEDIT_TODAY = $Today
                    Import-Module $Module
                    Edit-Image $Image -Prompt 'x' -Model gpt-image-2 -TimeoutSec 600 -ErrorAction Stop
                }).AddArgument($env:IMAGEEDIT_TEST_MODULE).AddArgument($lighthouse).AddArgument($env:IMAGEEDIT_CACHE_DIR).AddArgument($env:IMAGEEDIT_TODAY)
            try {
                $pending = $runspace.BeginInvoke()
                $pending.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(120)) | Should -BeTrue -Because 'a silent model list must not hold the edit for the edit''s own timeout'
                $result = $runspace.EndInvoke($pending)
                $runspace.Streams.Error | Should -BeNullOrEmpty
                $result | Should -HaveCount 1
            }
            finally { $runspace.Dispose() }
            @(Get-TestApiFault $server) | Should -HaveCount 1
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 1
        }

        It 'does not let a 429 on the model list hold the edits (nor later commands) for the pause it asks' {
            Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/models'; action = 'status'; status = 429; headers = @{ 'retry-after' = '30' } })
            $all = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -Verbose 4>&1
            @($all | Where-Object { $_ -is [ImageEdit.Models.ImageEditResult] }) | Should -HaveCount 1
            @(Get-TestApiFault $server) | Should -HaveCount 1 -Because 'the model list was asked for and answered 429'
            @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Holding this request*' }) | Should -BeNullOrEmpty
            $next = Edit-Image $lighthouse -Prompt 'y' -Model gpt-image-2 -Verbose 4>&1
            @($next | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Holding this request*' }) | Should -BeNullOrEmpty
        }

        It 'does not ask again, for a while, for a model list that failed: one command per file pays for the failure once' {
            Set-TestApiFault $server @(@{ method = 'GET'; path = '/v1/models'; action = 'status'; status = 500; repeat = 5 })
            foreach ($prompt in 'a', 'b', 'c') { $null = Edit-Image $lighthouse -Prompt $prompt -Model gpt-image-2 }
            @(Get-TestApiFault $server) | Should -HaveCount 1 -Because 'the list was asked for once; each fault it would have met again is still queued'
            @(Get-TestApiRequest $server -EditsOnly) | Should -HaveCount 3
        }

        It 'takes the list Get-ImageEditModel read, from the cache' {
            Set-TestModels @(@{ id = 'gpt-image-2'; shutdown_date = '2027-01-15' })
            (Get-ImageEditModel gpt-image-2).ShutdownDate | Should -Be ([datetime]'2027-01-15')
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings[0] | Should -BeLike '*gpt-image-2 down on 2027-01-15*'
            Get-ModelListRequest | Should -HaveCount 1
        }

        It 'asks Azure for no model list' {
            $null = Edit-Image $lighthouse -Prompt 'x' -ApiType Azure -BaseUri $server.Root -ApiKey $key -Deployment 'team-images' -Model gpt-image-2
            Get-ModelListRequest | Should -BeNullOrEmpty
        }

        It 'fetches no model list for a request refused before sending, nor for no -Model' {
            $null = Edit-Image $lighthouse -Prompt 'x' -Model gpt-image-2 -Quality standard -ErrorAction SilentlyContinue
            $null = Edit-Image $lighthouse -Prompt 'x'
            Get-ModelListRequest | Should -BeNullOrEmpty
        }
    }
}
