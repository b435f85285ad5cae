import { defineConfig } from 'vitest/config';

// Two projects: fast pure/host-kernel tests, and the kernel lab (User-Mode Linux),
// which boots a whole kernel per scenario and is therefore run one file at a time.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/host/**/*.test.ts', 'test/k8s/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
