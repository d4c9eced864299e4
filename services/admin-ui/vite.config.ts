import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

// The gateway serves dist/ at / (SPA fallback) and the API at /api; `npm run dev` proxies the API to a local gateway.
export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // Vendor code in a few long-lived chunks; every page is its own lazy chunk (see src/routes.tsx).
        manualChunks(id: string) {
          if (!id.includes('node_modules')) return undefined;
          if (
            /[\\/]node_modules[\\/](@antv|@ant-design[\\/]plots|d3-|pdfast|fmin|gl-matrix|@ant-design[\\/]charts-util)/.test(
              id,
            )
          )
            return 'charts';
          if (/[\\/]node_modules[\\/](react|react-dom|scheduler|react-router|react-router-dom|@tanstack)[\\/]/.test(id))
            return 'react';
          return undefined;
        },
      },
    },
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:8080', '/ops': 'http://127.0.0.1:8080' },
  },
});
