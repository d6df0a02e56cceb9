# syntax=docker/dockerfile:1
# Build stage: the service in release mode without the `demo` feature, so neither the
# simulator nor its built-in credentials are in the production binary.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY sim ./sim
COPY bench ./bench
COPY migrations ./migrations
COPY openapi ./openapi
RUN cargo build --release --locked -p jamf-directory --no-default-features --bin jamf-directory \
 && cp target/release/jamf-directory /usr/local/bin/

# The Jamf Pro simulator, for docker-compose.yml only (`--target jamf-sim`).
FROM build AS build-sim
RUN cargo build --release --locked -p jamf-sim --bin jamf-sim \
 && cp target/release/jamf-sim /usr/local/bin/

# Runtime base: small, non-root, CA certificates for https to Jamf Cloud. The package version
# is pinned (reproducible images); bump it with the base image.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates=20230311+deb12u1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/jamf-directory --create-home jamf
USER 10001:10001
WORKDIR /var/lib/jamf-directory

FROM runtime AS jamf-sim
COPY --from=build-sim /usr/local/bin/jamf-sim /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/jamf-sim"]

# The production image (the default target): the service alone.
FROM runtime AS jamf-directory
COPY --from=build /usr/local/bin/jamf-directory /usr/local/bin/
ENV JAMF_DIRECTORY__SERVER__LISTEN=0.0.0.0:8080 \
    JAMF_DIRECTORY__STORAGE__DATABASE_URL=sqlite:///var/lib/jamf-directory/data/jamf-directory.db
EXPOSE 8080
# The binary probes /health/ready itself (the runtime image has no curl).
HEALTHCHECK --interval=10s --timeout=6s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/jamf-directory", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/jamf-directory"]
CMD ["serve"]
