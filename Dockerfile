# The civicbus image: one static binary, run as a non-root user.
#
#   docker build -t civicbus .
#   docker run --rm civicbus serve <service> --brokers kafka:9092 --http :8080
#
# docker-compose.yml builds it once for every service container.

FROM golang:1.26 AS build
WORKDIR /src
# Dependencies first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/civicbus ./cmd/civicbus

# distroless/static has no shell and no package manager: only the binary, CA
# certificates, tzdata and the nonroot user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/civicbus /civicbus
USER nonroot:nonroot
WORKDIR /home/nonroot
EXPOSE 8080
ENTRYPOINT ["/civicbus"]
CMD ["help"]
