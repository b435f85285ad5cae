// Whether this process runs inside the kernel lab (no side effects: host tests import it).
import { readFileSync } from 'node:fs';

function cpuinfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/**
 * Why this process is not inside the kernel lab (undefined when it is): the lab's
 * init exports LAB=1, and User-Mode Linux names itself in /proc/cpuinfo.
 */
export function outsideLabReason(env: NodeJS.ProcessEnv = process.env, cpu = cpuinfo()): string | undefined {
  if (env.LAB === '1' && cpu.includes('User Mode Linux')) return undefined;
  const me = process.argv[1] ?? 'this scenario';
  return (
    `${me} is a kernel-lab scenario: it creates network namespaces and FRR instances, so it runs only inside ` +
    `the lab (User-Mode Linux), never on this machine. Run it with:\n` +
    `  node build/test/lab/harness/run.js ${me}\n(or npm run demo for the two-node story)`
  );
}
