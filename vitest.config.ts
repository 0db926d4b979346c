import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // The console's components are tested as .vue files (tests/web/, happy-dom).
  plugins: [vue()],
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    setupFiles: ['tests/support/quiet-runtime.ts'],
    // Real servers: workflow bundling and server start-up take seconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: a few files at a time, each with its own database and Temporal server.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
