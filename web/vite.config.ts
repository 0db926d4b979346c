import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The console: built to web/dist, which the API serves at `/` (same origin, so the session cookie
 * works without CORS). Element Plus components are imported on demand, page by page.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [vue(), components({ resolvers: [ElementPlusResolver()], dts: false })],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
