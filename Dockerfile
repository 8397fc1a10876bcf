# gateway-proxy container image.
#
#   docker build -t gateway-proxy:0.1.0 .
#   docker run --rm -p 50051:50051 gateway-proxy:0.1.0 --listen=0.0.0.0:50051
#
# (In a container the default loopback address is unreachable from outside;
# as a Kubernetes sidecar it stays on loopback, see deploy/.)
#
# The build stage runs the same install script and build as CI
# (scripts/test.sh), for the binary only. The runtime stage is a slim Debian
# with only the packages that ship the shared libraries the binary links
# (their own dependencies come along) and CA certificates for the upstream's
# TLS. tests/deploy/dockerfile_test.py checks that list against `ldd`.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build --target gateway-proxy \
 && strip --strip-debug -o /gateway-proxy build/proxy/gateway-proxy

FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libabsl20220623 libcurl4 libgrpc++1.51 libgrpc29 \
      libprometheus-cpp-core1.0 libprometheus-cpp-pull1.0 libprotobuf32 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 gateway-proxy \
 && useradd --system --uid 65532 --gid 65532 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin gateway-proxy
COPY --from=build /gateway-proxy /usr/local/bin/gateway-proxy
# Numeric, so Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/gateway-proxy"]
