# gateway-proxy container image.
#
#   docker build -t gateway-proxy .
#   docker run --rm -p 50051:50051 gateway-proxy --listen=0.0.0.0:50051
#
# The build stage uses the same install script and build as CI; the runtime
# stage is a slim Debian with only the shared libraries the binary links
# (their dependencies come along) and CA certificates for the upstream's TLS.

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN bash scripts/install-deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DGATEWAY_PROXY_BUILD_TESTS=OFF \
 && cmake --build build --target gateway-proxy \
 && strip --strip-debug -o /gateway-proxy build/proxy/gateway-proxy

FROM debian:12-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates libabsl20220623 libcurl4 libgrpc++1.51 libgrpc29 \
      libprotobuf32 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin gateway-proxy
COPY --from=build /gateway-proxy /usr/local/bin/gateway-proxy
USER 65532:65532
EXPOSE 50051
ENTRYPOINT ["/usr/local/bin/gateway-proxy"]
