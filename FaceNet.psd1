@{
    RootModule           = 'FaceNet.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f3c52-8f0e-4c7b-9a53-2f6f0d2b8e61'
    Author               = 'FaceNet developers'
    Copyright            = '(c) FaceNet developers. MIT licence; shipped models carry their own licences (models/models.json).'
    Description          = 'FaceNet-style face recognition for PowerShell: find faces, embed them, verify, identify and draw. Offline, with shipped ONNX models.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('FaceNet.format.ps1xml')
    CmdletsToExport      = @(
        'Get-Face'
        'Get-FaceEmbedding'
        'Get-FaceAttribute'
        'Compare-Face'
        'Test-FaceMatch'
        'Export-FaceAnnotation'
        'Export-FaceGallery'
        'Import-FaceGallery'
        'Find-Face'
        'Group-Face'
        'Export-FaceReport'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('face-recognition', 'facenet', 'onnx', 'biometrics')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
