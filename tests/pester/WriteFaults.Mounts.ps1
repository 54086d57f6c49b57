# Dot-sourced in the BeforeDiscovery of WriteFaults.Tests.ps1 and WriteFaults.Receive.Tests.ps1: whether this machine can
# mount a tmpfs (and drop root's permission override), for the -Skip of the cases that need it.
# A real full disk needs a mount: root on Linux. Elsewhere (CI without root, Windows, macOS) those cases are skipped.
$script:canMount = $false
$script:mountSkipReason = 'mounting a tmpfs needs root on Linux'
if ($IsLinux -and (& id -u) -eq '0') {
    $probe = Join-Path ([IO.Path]::GetTempPath()) "imageedit-mount-probe-$PID"
    New-Item -ItemType Directory $probe -Force | Out-Null
    & mount -t tmpfs -o size=64k tmpfs $probe 2>$null
    if ($LASTEXITCODE -eq 0) {
        & umount $probe
        $script:canMount = $true
    }
    else { $script:mountSkipReason = 'mount -t tmpfs failed here (a container without CAP_SYS_ADMIN?)' }
    Remove-Item $probe -Force -ErrorAction SilentlyContinue
}
# A folder that refuses the writer: root ignores permission bits, so the writer runs without CAP_DAC_OVERRIDE.
$script:canDropOverride = $canMount -and [bool](Get-Command setpriv -ErrorAction SilentlyContinue)
