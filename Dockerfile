# Production image for the migrate, worker and api services (see docker-compose.yml).
# TypeScript runs through tsx, as in development; there is no build step.
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first so source edits do not invalidate this layer.
COPY package.json package-lock.json ./
# npm install, not npm ci: the lock cannot list platform binaries our build registry lacks (see README).
RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force

# Source, directory by directory: without a .dockerignore, `COPY . .` would drag in the host's
# node_modules, .data and .tools. tests/unit/docker-compose.test.ts checks this list stays complete.
COPY tsconfig.json ./
COPY config ./config
COPY domain ./domain
COPY lib ./lib
COPY notifiers ./notifiers
COPY db ./db
COPY services ./services
COPY activities ./activities
COPY workflows ./workflows
COPY temporal ./temporal
COPY api ./api
COPY scripts ./scripts

USER node
EXPOSE 3000
# node itself as PID 1 (with init: true in compose), not npm: npm and sh do not pass SIGTERM on,
# so `docker stop` would kill the process instead of letting it drain.
CMD ["node", "--import", "tsx", "api/server.ts"]
