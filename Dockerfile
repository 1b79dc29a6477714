# The ombud binary in a small image (used by docker-compose.yml). The build honours
# .cargo/config.toml, as every build in this repository does.
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin ombud

FROM debian:bookworm-slim
RUN useradd --system --home-dir /var/lib/ombud --create-home ombud
COPY --from=build /src/target/release/ombud /usr/local/bin/ombud
COPY config/ /etc/ombud/
USER ombud
WORKDIR /var/lib/ombud
EXPOSE 8080
ENTRYPOINT ["ombud"]
CMD ["serve", "--config", "/etc/ombud/jetstream.toml"]
