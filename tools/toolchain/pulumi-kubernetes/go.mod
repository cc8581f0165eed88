// Pins of pulumi-resource-kubernetes, the version of @pulumi/kubernetes in package.json.
// The module proxy serves provider/v4 only as the pseudo-version of the v4.25.0 tag's commit
// (f47bc2d6f199); sdk/v4 is the same release. build.sh builds the provider inside a copy of
// its own module, with sdk/v4 beside it as its go.mod expects (replace ... => ../sdk).
module todo-platform/toolchain/pulumi-kubernetes

go 1.24

require (
	github.com/pulumi/pulumi-kubernetes/provider/v4 v4.0.0-20260115033456-f47bc2d6f199
	github.com/pulumi/pulumi-kubernetes/sdk/v4 v4.25.0
)
