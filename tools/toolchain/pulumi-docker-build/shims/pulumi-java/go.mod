// Stands in for github.com/pulumi/pulumi-java, which the module proxy does not serve (403): see
// ../README.md.
module github.com/pulumi/pulumi-java

go 1.24
