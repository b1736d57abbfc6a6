# One image for the web app and the SFU; docker-compose.yml picks the command.
FROM node:22-bookworm AS base
# Build dependencies of the mediasoup worker's fallback build (used only where its
# prebuilt binary cannot be downloaded) and of better-sqlite3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make pkg-config ninja-build python3-venv python3-pip \
      libuv1-dev libssl-dev libsrtp2-dev libflatbuffers-dev flatbuffers-compiler libabsl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 NEXT_TELEMETRY_DISABLED=1

FROM base AS build
COPY package.json package-lock.json .npmrc next.config.js tsconfig.json ./
COPY apps/sfu/package.json apps/sfu/
COPY apps/web/package.json apps/web/
COPY packages/shared/package.json packages/shared/
COPY packages/media/package.json packages/media/
COPY apps/inference/package.json apps/inference/
COPY e2e/package.json e2e/
COPY scripts scripts
COPY prisma prisma
# The postinstall needs a database URL only to migrate; the real one is migrated at start.
RUN DATABASE_URL=file:/tmp/build.db npm ci
COPY . .
RUN npm run build

FROM base AS runtime
COPY --from=build /app /app
ENV NODE_ENV=production
EXPOSE 3000 4000
