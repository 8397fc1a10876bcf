# gateway-proxy container image.
#
#   docker build -t gateway-proxy:0.1.0 .
#   docker run --rm -p 50051:50051 gateway-proxy:0.1.0 --listen=0.0.0.0:50051
#
# (In a container the default loopback address is unreachable from outside;
# as a Kubernetes sidecar it stays on loopback, see deploy/.)
#
# The build stage installs install-deps.sh's build group (the compiler, CMake
# and the -dev packages; none of the test suite's) and configures as CI
# (scripts/test.sh) does, without the tests, for the binary only. The runtime
# stage is a slim Debian with only the packages that ship the shared libraries
# the binary links (their own dependencies come along) and CA certificates for
# the upstream's TLS. tests/deploy/dockerfile_test.py checks that list against
# `ldd`; scripts/image-test.sh builds the image and runs it.
#
# Both bases are pinned to one Debian point release, by tag rather than by
# digest: a tag also names the bases scripts/image-test.sh makes locally with
# mmdebstrap (registries are out of its reach, so it builds with
# --pull=never), where a registry digest could never match. The point release
# is the one that script's bases come out as from Debian's archive; raise
# both lines together.

FROM debian:12.15 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGATEWAY_PROXY_BUILD_TESTS=OFF \
 && cmake --build build --target gateway-proxy \
 && strip --strip-debug -o /gateway-proxy build/proxy/gateway-proxy

FROM debian:12.15-slim AS runtime
# The image's own `apt-get clean`, whatever its base's apt settings. The user
# is added with -K so useradd/groupadd accept 65532 (above the system range,
# the usual non-root ID of distroless images) without a warning.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libabsl20220623 libcurl4 libgrpc++1.51 libgrpc29 \
      libjemalloc2 libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system -K SYS_GID_MAX=65532 --gid 65532 gateway-proxy \
 && useradd --system -K SYS_UID_MAX=65532 --uid 65532 --gid 65532 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin gateway-proxy
COPY --from=build /gateway-proxy /usr/local/bin/gateway-proxy
# Debian's libcurl loads GnuTLS (through its LDAP and RTMP libraries), which
# the proxy never uses: this skips GnuTLS's initialization at load, 0.8 MiB
# of resident memory (README, Performance).
ENV GNUTLS_NO_IMPLICIT_INIT=1
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/gateway-proxy"]
