# syntax=docker/dockerfile:1
#
# Rosetta's container image: one static binary on an empty (scratch) base,
# running as uid/gid 65532 ("nonroot"), made to run with a read-only root
# filesystem. Two final targets:
#
#   rosetta   (the default, last stage) builds the binary from source in a
#             golang image:
#               buildah bud -t rosetta .      # or: docker build -t rosetta .
#
#   prebuilt  packs a binary built beforehand (`make build` writes ./rosetta)
#             and needs no base image at all, for machines that cannot pull
#             one (`make image` does this):
#               make build && cp /etc/ssl/certs/ca-certificates.crt deploy/image/
#               buildah bud --target prebuilt -t rosetta .
#
# Ports: 9102/tcp web (/metrics, /-/healthy, /-/ready, POST /-/reload),
# 9125/udp and 9125/tcp StatsD. Mount config at /etc/rosetta and pass
# --config.file=/etc/rosetta/rosetta.yml; without it the embedded default
# config runs one StatsD input. go-plugin puts its sockets in $TMPDIR (/tmp):
# with a read-only root, mount a tmpfs or emptyDir there.

# The image the binary is built in; any image with Go 1.26+, sh and cp.
ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm

# runtime is what both final targets are, but for the binary and the CA
# bundle. It and prebuilt come before the golang stage, so that a builder
# that builds every stage up to the target (docker's classic builder does)
# pulls no base image for --target prebuilt.
FROM scratch AS runtime
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="rosetta" \
      org.opencontainers.image.description="Monitoring adapter: StatsD, JMX and application stats in, one Prometheus /metrics out" \
      org.opencontainers.image.source="https://github.com/rosetta-adapter/rosetta" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
COPY deploy/image/rootfs/etc/ /etc/
COPY --chown=65532:65532 deploy/image/rootfs/tmp/ /tmp/
ENV TMPDIR=/tmp
USER 65532:65532
EXPOSE 9102/tcp 9125/udp 9125/tcp
ENTRYPOINT ["/rosetta"]

FROM runtime AS prebuilt
COPY deploy/image/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY rosetta /rosetta

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG REVISION=unknown
RUN CGO_ENABLED=0 go build -trimpath -o /out/rosetta \
      -ldflags "-s -w \
        -X github.com/prometheus/common/version.Version=${VERSION} \
        -X github.com/prometheus/common/version.Revision=${REVISION} \
        -X github.com/prometheus/common/version.Branch=main \
        -X github.com/prometheus/common/version.BuildUser=container" \
      ./cmd/rosetta \
 && cp /etc/ssl/certs/ca-certificates.crt /out/ca-certificates.crt

FROM runtime AS rosetta
COPY --from=build /out/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/rosetta /rosetta
