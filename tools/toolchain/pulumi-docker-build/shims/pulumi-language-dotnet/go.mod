// Stands in for github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3, which the module proxy
// does not serve (403): see ../README.md.
module github.com/pulumi/pulumi-dotnet/pulumi-language-dotnet/v3

go 1.24
