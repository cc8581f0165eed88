// Package codegen stands in for pulumi-language-dotnet's code generator. pulumi-resource-docker-build
// imports it for one thing: the struct it puts under "csharp" in its schema's language map, which
// only the .NET SDK generator reads. The fields are those the provider sets.
package codegen

type CSharpPackageInfo struct {
	RespectSchemaVersion bool              `json:"respectSchemaVersion,omitempty"`
	PackageReferences    map[string]string `json:"packageReferences,omitempty"`
}
