import { defineConfig } from 'vitest/config';

// Four projects: fast pure/host-kernel tests; the boot test (systemd-nspawn); the
// kernel lab (User-Mode Linux), which boots a whole kernel per scenario and is
// therefore run one file at a time; and the packages, built twice
// (reproducibility) and checked, no lab needed.
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
        // The boot test: stock Debian roots booted with systemd as PID 1 (systemd-nspawn).
        test: {
          name: 'boot',
          include: ['test/boot/**/*.test.ts'],
          testTimeout: 1_200_000,
          hookTimeout: 1_200_000,
          fileParallelism: false,
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
      {
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 3_600_000,
        },
      },
    ],
  },
});
