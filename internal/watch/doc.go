// Package watch notices when Rosetta's config and mapping files change on
// disk and calls back, so a running process can reload them.
//
// It polls: every interval it reads each watched file (following symlinks)
// and compares a SHA-256 of its content with the last one seen. Polling
// content, rather than watching inodes or directory events, is what makes
// it correct for Kubernetes ConfigMap and Secret volumes, where the kubelet
// never writes a file in place: it writes a new timestamped directory,
// points the ..data symlink at it with an atomic rename, and the visible
// files are symlinks through ..data. A file's path, inode and the symlink
// that names it all stay the same across such an update; only what the
// path resolves to changes. Reading through the path sees either the old or
// the new content, never a mix.
//
// A file that vanishes or cannot be read counts as a change too: the
// reload it triggers fails and the previous configuration keeps running,
// which is the caller's rule, not this package's.
package watch
