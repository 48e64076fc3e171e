# Lookout in a container: `docker compose up` (see docker-compose.yml).
FROM node:22-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:client
ENV HOST=0.0.0.0 PORT=4000 LOOKOUT_DATA_DIR=/data
EXPOSE 4000
USER node
# A small young generation keeps RSS down at a few percent of CPU (see BENCHMARKS.md).
CMD ["node", "--max-semi-space-size=2", "bin/lookout.mjs", "serve"]
