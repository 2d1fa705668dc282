import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// A static build (no server-side rendering) that the API serves from its wwwroot; file names under /assets/ carry a
// hash of their content, so the API can let browsers cache them for good. `npm run dev` proxies the API on :8080.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
    // Never inline assets as data: URLs into the CSS/JS; everything is a file the CSP allows ('self').
    assetsInlineLimit: 0,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/health': 'http://127.0.0.1:8080',
    },
  },
});
