// Package java stands in for pulumi-java's code generator. pulumi-resource-docker-build imports it
// for one thing: the struct it puts under "java" in its schema's language map, which only the Java
// SDK generator reads. The fields are those the provider sets, with the schema's JSON names.
package java

type PackageInfo struct {
	BuildFiles                      string            `json:"buildFiles,omitempty"`
	GradleNexusPublishPluginVersion string            `json:"gradleNexusPublishPluginVersion,omitempty"`
	Dependencies                    map[string]string `json:"dependencies,omitempty"`
}
