package jmx

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestJavaTrue: a rule's `cache` is true as SnakeYAML reads the Boolean
// (YAML 1.1), quoted strings and other values not.
func TestJavaTrue(t *testing.T) {
	for src, want := range map[string]bool{
		"cache: true": true, "cache: True": true, "cache: yes": true, "cache: ON": true,
		"cache: false": false, "cache: no": false, `cache: "true"`: false, "cache: 1": false, "other: 1": false,
	} {
		var r struct {
			Cache yaml.Node `yaml:"cache"`
		}
		if err := yaml.Unmarshal([]byte(src), &r); err != nil {
			t.Fatal(err)
		}
		if got := javaTrue(&r.Cache); got != want {
			t.Errorf("%s: %v, want %v", src, got, want)
		}
	}
}
