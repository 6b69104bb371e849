// Package chartcheck holds the tests that render Rosetta's Helm charts and
// decode every rendered object, and every plain manifest under
// deploy/kubernetes, strictly against the Kubernetes API types. It lives in
// its own module so the Kubernetes and Helm libraries stay out of the main
// module's dependencies.
package chartcheck
