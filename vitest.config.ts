import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const pkg = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of sibling packages, not their (possibly stale) dist.
    alias: {
      '@shoal/lineproto': pkg('lineproto'),
      '@shoal/tsdb': pkg('tsdb'),
      '@shoal/data': pkg('data'),
      '@shoal/raft': pkg('raft'),
      '@shoal/influxql': pkg('influxql'),
      '@shoal/meta': pkg('meta'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
