# Photos the tests use on a fresh clone, fetched from a registry package at a pinned version and checked.
@{
    Packages = @(
        @{
            Name    = '@vladmandic/face-api'
            Version = '1.7.15'
            Sha256  = '0d77fffeef362ef9c0939cf6c567f3a2e8e177f114fa257a3270cbd2e509b031'
            Folder  = 'face-api-1.7.15'
            # Only these members are extracted (relative to the package root).
            Extract = @('package/demo/sample1.jpg', 'package/demo/sample2.jpg', 'package/demo/sample3.jpg',
                        'package/demo/sample4.jpg', 'package/demo/sample5.jpg', 'package/demo/sample6.jpg')
        }
    )
}
