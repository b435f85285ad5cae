// npm run demo [-- --keep]: the two-node story in the kernel lab (see harness/demo.ts).
// --keep leaves the lab running at the end with a shell in it; `exit` stops it.
import { spawnSync } from 'node:child_process';
import { runDemo } from './harness/demo.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--keep');
if (unknown.length) {
  console.error(`usage: npm run demo [-- --keep]   (unknown: ${unknown.join(' ')})`);
  process.exit(2);
}
const keep = args.includes('--keep');
// The lab's console puts the terminal in raw mode for the shell; put it back afterwards.
const tty =
  keep && process.stdin.isTTY
    ? spawnSync('stty', ['-g'], { stdio: ['inherit', 'pipe', 'ignore'] })
        .stdout.toString()
        .trim()
    : '';
try {
  const { run } = await runDemo({ keep });
  process.exitCode = run.exitCode === 0 && !run.timedOut ? 0 : 1;
} finally {
  if (tty) spawnSync('stty', [tty], { stdio: ['inherit', 'ignore', 'ignore'] });
}
