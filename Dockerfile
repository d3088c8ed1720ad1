# syntax=docker/dockerfile:1
# SPDX-License-Identifier: MIT
# pynet-server in a container: built in one stage, run from a slim one as a
# user of its own. docker build -t pynet-server . && docker run -p 5050:5050 pynet-server
# compose.yaml beside this file runs it with a volume (and, with the storage
# issue, PostgreSQL).

FROM debian:bookworm-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        build-essential cmake ninja-build qt6-base-dev qt6-base-dev-tools \
        qt6-httpserver-dev qt6-websockets-dev libsodium-dev libhiredis-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The server alone: the clients, tests, benchmarks and man pages need more than it.
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
        -DPYNET_BUILD_CLI=OFF -DPYNET_BUILD_GUI=OFF -DPYNET_BUILD_TESTS=OFF \
        -DPYNET_BUILD_BENCH=OFF -DPYNET_MAN_PAGES=OFF -DPYNET_WERROR=ON \
    && cmake --build /build \
    && DESTDIR=/staging cmake --install /build --component server --strip

FROM debian:bookworm-slim
# Exactly the packages of the libraries pynet-server links that the slim image
# lacks, and of the SQL drivers Qt loads as plugins (SQLite, PostgreSQL);
# tests/packaging/runtime-packages.sh checks this list against the binary.
ARG RUNTIME_PACKAGES="libqt6core6 libqt6httpserver6 libqt6network6 libqt6sql6 libqt6sql6-psql libqt6sql6-sqlite libsodium23 libhiredis0.14 libssl3"
RUN apt-get update \
    && apt-get install -y --no-install-recommends ${RUNTIME_PACKAGES} \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --home-dir /var/lib/pynet --shell /usr/sbin/nologin pynet \
    && install -d -o pynet -g pynet -m 0750 /var/lib/pynet
COPY --from=build /staging/usr/bin/pynet-server /usr/bin/pynet-server
COPY --from=build /staging/etc/pynet/pynet-server.conf /etc/pynet/pynet-server.conf

USER pynet
WORKDIR /var/lib/pynet
# The SQLite database goes to the data directory: /var/lib/pynet/pynet-server/pynet.db.
ENV XDG_DATA_HOME=/var/lib/pynet
VOLUME ["/var/lib/pynet"]
# 5051 is TLS, served once a certificate is given (README, "TLS"): mount it and
# add --tls-cert /etc/pynet/tls/fullchain.pem --tls-key /etc/pynet/tls/privkey.pem.
EXPOSE 5050 5051
# A ping that never joins: not a user, and no join in the log.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
    CMD ["pynet-server", "--check", "127.0.0.1:5050"]
# SIGTERM tells every client and exits 0; the server handles it as PID 1 too.
STOPSIGNAL SIGTERM
ENTRYPOINT ["pynet-server", "--config", "/etc/pynet/pynet-server.conf"]
# Inside a container every interface is the container's own.
CMD ["--host", "0.0.0.0", "--port", "5050"]
