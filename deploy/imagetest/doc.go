// Package imagetest builds Rosetta's container image from the Dockerfile
// with buildah (vfs storage, chroot isolation, no daemon), runs it with
// podman and runc, and smoke-tests it from the outside: /metrics answers,
// StatsD sent to the published UDP and TCP ports arrives, the process runs
// as a non-root user with a read-only root filesystem and no capabilities,
// and a mapping file mounted the way a ConfigMap is mounted is reloaded
// without a restart when it changes (and a broken one is rejected while
// the old rules keep serving).
//
// The tests need buildah, podman and runc (`make peers` installs them) and
// root, and fail rather than skip when they are missing.
package imagetest
