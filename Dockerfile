# Lookout in a container: `docker compose up` (see docker-compose.yml).
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:client
# Lookout's TypeScript stripped once, here, while node_modules can be written (see bin/typescript-cache.mjs).
RUN node bin/typescript-cache.mjs
ENV HOST=0.0.0.0 PORT=4000 LOOKOUT_DATA_DIR=/data
EXPOSE 4000
USER node
# The Node options of `npm start`: a small young generation and a slowly growing old one keep RSS
# down at some CPU (see BENCHMARKS.md).
CMD ["node", "--max-semi-space-size=2", "--heap-growing-percent=10", "--v8-pool-size=1", "bin/lookout.mjs", "serve"]
