// What the demo shows a person (runs INSIDE the lab): perouterd's own `status`
// and `trace` of a node, as an operator would type them on that node.
import { run } from './fabric.js';
import { PEROUTERD, type PerouterdNode } from './perouterd.js';

/** `perouterd <args>` run in node `n`'s host network namespace, as an operator on that node would; stdout and stderr. */
async function perouterdOn(n: PerouterdNode, args: string[]): Promise<string> {
  const flags = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const r = await run('nsenter', [`--net=/run/netns/${n.hostNs}`, '--', process.execPath, ...flags, PEROUTERD, ...args], {
    allowFail: true,
    timeoutMs: 60_000,
  });
  return (r.stdout + r.stderr).trimEnd();
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** `perouterd status` of a node. */
export async function statusView(n: PerouterdNode): Promise<string> {
  return `$ perouterd status   (on ${n.name})\n${indent(await perouterdOn(n, ['status', '--state-dir', n.stateDir]))}`;
}

/** `perouterd trace <dst> --from <from>` on node `n`. */
export async function traceView(n: PerouterdNode, dst: string, from: string): Promise<string> {
  const files = ['--config-dir', n.configDir, '--node-config', n.nodeConfig, '--netns', n.routerNs];
  const out = await perouterdOn(n, ['trace', dst, '--from', from, ...files]);
  return `$ perouterd trace ${dst} --from ${from}   (on ${n.name})\n${indent(out)}`;
}
