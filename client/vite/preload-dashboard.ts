/**
 * Adds `<link rel="modulepreload">` tags for the chunks the entry script imports dynamically (the
 * dashboard itself, see src/main.tsx) and their static imports. The browser then fetches and
 * compiles the dashboard's code while it parses the page, instead of only once the entry script
 * has run and sent its early queries.
 */
import type { Plugin } from 'vite';

export function preloadDashboard(): Plugin {
  let base = '/';
  return {
    name: 'lookout:preload-dashboard',
    apply: 'build',
    configResolved(config) {
      base = config.base;
    },
    transformIndexHtml: {
      order: 'post',
      handler(_html, { bundle, chunk }) {
        if (!bundle || !chunk) return;
        const files = new Set<string>();
        const add = (file: string) => {
          const output = bundle[file];
          if (files.has(file) || file === chunk.fileName || output?.type !== 'chunk') return;
          files.add(file);
          output.imports.forEach(add);
        };
        chunk.dynamicImports.forEach(add);
        return [...files].map((file) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: base + file }, injectTo: 'head' as const }));
      },
    },
  };
}
