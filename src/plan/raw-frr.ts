// A RawFRRConfig is spliced into frr.conf verbatim, after every BGP instance. A snippet that
// opens a block and never leaves it (or leaves one it never opened) changes the meaning of
// whatever follows it, so it is rejected on its own before FRR sees it.

/** Lines that open a configuration block in FRR, and the command that leaves each. */
const OPENERS: Array<{ re: RegExp; exit: RegExp; inside?: RegExp }> = [
  { re: /^address-family\b/, exit: /^exit-address-family$/ },
  // `vni N` opens a block under `address-family l2vpn evpn`; under `vrf` it is one line.
  { re: /^vni\s+\d+$/, exit: /^exit-vni$/, inside: /^address-family l2vpn evpn/ },
  { re: /^(router|vrf|interface|route-map|line|key chain|bfd|segment-routing|mpls|nexthop-group|pbr-map)\b/, exit: /^exit(-vrf)?$/ },
];

/** Why the blocks of `text` are unbalanced, or undefined when every block it opens it closes. */
export function rawBlockProblem(text: string): string | undefined {
  const stack: Array<{ line: number; cmd: string; exit: RegExp }> = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const cmd = (lines[i] ?? '').trim();
    if (cmd === '' || cmd.startsWith('!') || cmd.startsWith('#')) continue;
    if (cmd === 'end') return `line ${i + 1}: "end" leaves every block, including perouterd's`;
    const top = stack.at(-1);
    if (/^exit(-vrf|-address-family|-vni)?$/.test(cmd)) {
      if (!top) return `line ${i + 1}: "${cmd}" leaves a block the snippet did not open`;
      if (!top.exit.test(cmd)) return `line ${i + 1}: "${cmd}" does not close "${top.cmd}" (line ${top.line})`;
      stack.pop();
      continue;
    }
    const opener = OPENERS.find((o) => o.re.test(cmd) && (!o.inside || (top !== undefined && o.inside.test(top.cmd))));
    if (opener) stack.push({ line: i + 1, cmd: cmd.slice(0, 60), exit: opener.exit });
  }
  const open = stack.at(-1);
  return open ? `"${open.cmd}" (line ${open.line}) is never closed` : undefined;
}
