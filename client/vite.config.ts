/**
 * Vite config of the dashboard. Paths are resolved from this file so the build works from any
 * working directory: `npm run build:client` and the server's `vite.build({ configFile })` alike.
 */
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { graphqlDocuments } from './vite/graphql-documents.ts';
import { preloadDashboard } from './vite/preload-dashboard.ts';
import { earlyQueries } from './vite/early-queries.ts';

const here = (relative: string) => decodeURIComponent(new URL(relative, import.meta.url).pathname);

/** Where `npm run dev:client` forwards API calls: a Lookout started with `npm start`. */
const API = 'http://localhost:4000';

export default defineConfig({
  root: here('.'),
  plugins: [
    graphqlDocuments(here('src/graphql/graphql.ts')),
    solid(),
    preloadDashboard(),
    // Asked by the page itself before any of its code loads: who is signed in, and on the Overview
    // the grid (src/lib/early-answers.ts hands the answers over).
    earlyQueries(here('src/graphql/graphql.ts'), { '*': ['SessionDocument'], '/': ['HealthOverviewDocument'] }),
  ],
  build: {
    outDir: here('../dist/client'),
    emptyOutDir: true,
    target: 'es2022',
  },
  server: {
    proxy: {
      // Host is kept (no changeOrigin) so the server's same-origin WebSocket check passes.
      '/graphql': { target: API, ws: true },
      '/health': { target: API },
      '/metrics': { target: API },
    },
  },
});
