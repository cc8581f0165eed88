// Pin of pulumi-resource-docker-build, the version of @pulumi/docker-build in package.json.
module todo-platform/toolchain/pulumi-docker-build

go 1.24

require github.com/pulumi/pulumi-docker-build v0.0.22
