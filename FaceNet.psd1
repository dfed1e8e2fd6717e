@{
    RootModule           = 'FaceNet.PowerShell.dll'
    ModuleVersion        = '0.2.0'
    GUID                 = '5b0f3c52-8f0e-4c7b-9a53-2f6f0d2b8e61'
    Author               = 'FaceNet developers'
    Copyright            = '(c) FaceNet developers. MIT licence; shipped models carry their own licences (models/models.json).'
    Description          = 'FaceNet-style face recognition for PowerShell: find faces, embed them, verify, identify and draw. Offline, with shipped ONNX models.'
    # Windows PowerShell 5.1 stops at this line, before loading any assembly: 'requires a minimum Windows PowerShell
    # version of '7.4' to run' (docs/packaging.md). Core only: the module is a net8.0 assembly.
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('FaceNet.format.ps1xml')
    CmdletsToExport      = @(
        'Get-Face'
        'Get-FaceEmbedding'
        'Get-FaceAttribute'
        'Get-FaceTrack'
        'Compare-Face'
        'Test-FaceMatch'
        'Export-FaceAnnotation'
        'Export-FaceGallery'
        'Import-FaceGallery'
        'Optimize-FaceGallery'
        'Find-Face'
        'Group-Face'
        'Export-FaceReport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            # PSEdition_Core, Windows, Linux, MacOS: the Gallery's platform filters.
            Tags         = @('face-recognition', 'facenet', 'onnx', 'biometrics', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # Placeholder until the project has its public home.
            ProjectUri   = 'https://github.com/facenet-powershell/FaceNet'
            ReleaseNotes = '0.2.0: the default model, Clean, runs face-reidentification-retail-0095 on the face alone (Dlib still on the face and its mirror image): about a quarter faster on ordinary photos, with DevTest 99.40% at its recalibrated default 0.8370 (99.20% before). Its vectors changed: galleries made with 0.1.0 should be enrolled again (Export-FaceGallery -Force; -Append skips photos a gallery holds), and Optimize-FaceGallery run again on adapted galleries (their stored adaptations warn until then). Optimize-FaceGallery''s triplet margin is 0.7 (was 0.5). 0.1.0: first package: Get-Face, Get-FaceEmbedding, Get-FaceAttribute (expression, apparent age, gender guess), Compare-Face, Test-FaceMatch, galleries, Find-Face, Group-Face and the annotation and report exports. Runs on Windows x64, macOS arm64 (Apple silicon), Linux x64 and Linux arm64 in PowerShell 7.4 or later; not on Windows PowerShell 5.1, nor on Intel Macs (ONNX Runtime 1.31.1 ships no macOS x86-64 build). Models and native libraries are inside: nothing is downloaded at run time.'
        }
    }
}
