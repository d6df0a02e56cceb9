# syntax=docker/dockerfile:1
# Build stage: compiles the service and the simulator in release mode.
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY sim ./sim
COPY bench ./bench
COPY migrations ./migrations
COPY openapi ./openapi
RUN cargo build --release --locked --bin jamf-directory --bin jamf-sim \
 && cp target/release/jamf-directory target/release/jamf-sim /usr/local/bin/

# Runtime stage: small, non-root, CA certificates for https to Jamf Cloud.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/jamf-directory --create-home jamf
COPY --from=build /usr/local/bin/jamf-directory /usr/local/bin/jamf-sim /usr/local/bin/
USER 10001:10001
WORKDIR /var/lib/jamf-directory
ENV JAMF_DIRECTORY__SERVER__LISTEN=0.0.0.0:8080 \
    JAMF_DIRECTORY__STORAGE__DATABASE_URL=sqlite:///var/lib/jamf-directory/data/jamf-directory.db
EXPOSE 8080
# The binary probes /health/ready itself (the runtime image has no curl).
HEALTHCHECK --interval=10s --timeout=6s --start-period=15s --retries=3 \
  CMD ["/usr/local/bin/jamf-directory", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/jamf-directory"]
CMD ["serve"]
