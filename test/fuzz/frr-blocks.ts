// Structural check of a rendered frr.conf: every block opener has its closer, at the
// opener's indentation, and blocks nest the way FRR (and frr-reload.py's mark pass) expect.
//
//   router bgp …      → exit           (indent 0)
//   vrf …             → exit-vrf       (indent 0)
//   route-map …       → exit           (indent 0)
//   bfd               → exit           (indent 0); inside: ` profile …` → ` exit`
//   ` address-family …` → ` exit-address-family` (only inside router bgp)

interface Open {
  kind: 'router' | 'vrf' | 'route-map' | 'bfd' | 'profile' | 'af';
  indent: number;
  line: number;
  closer: 'exit' | 'exit-vrf' | 'exit-address-family';
}

/** Problems found, empty when the text is well formed. Lines are 1-based. */
export function frrBlockErrors(text: string): string[] {
  const errors: string[] = [];
  const stack: Open[] = [];
  const lines = text.split('\n');
  if (text !== '' && !text.endsWith('\n')) errors.push('does not end with a newline');
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.includes('\r')) errors.push(`line ${n}: carriage return`);
    if (raw === '' && i !== lines.length - 1) errors.push(`line ${n}: empty line`);
    const indent = raw.length - raw.trimStart().length;
    const t = raw.trim();
    if (t === '' || t === '!') return;
    const top = stack[stack.length - 1];
    const open = (kind: Open['kind'], closer: Open['closer']): void => {
      stack.push({ kind, indent, line: n, closer });
    };
    if (indent === 0 && /^router bgp \d+( vrf \S+)?$/.test(t)) {
      if (top) errors.push(`line ${n}: "${t}" opened inside ${top.kind} of line ${top.line}`);
      open('router', 'exit');
    } else if (indent === 0 && /^vrf \S+$/.test(t)) {
      if (top) errors.push(`line ${n}: "${t}" opened inside ${top.kind} of line ${top.line}`);
      open('vrf', 'exit-vrf');
    } else if (indent === 0 && /^route-map \S+ (permit|deny) \d+$/.test(t)) {
      if (top) errors.push(`line ${n}: "${t}" opened inside ${top.kind} of line ${top.line}`);
      open('route-map', 'exit');
    } else if (indent === 0 && t === 'bfd') {
      if (top) errors.push(`line ${n}: "bfd" opened inside ${top.kind} of line ${top.line}`);
      open('bfd', 'exit');
    } else if (/^profile \S+$/.test(t) && top?.kind === 'bfd') {
      if (indent !== 1) errors.push(`line ${n}: profile at indent ${indent}, want 1`);
      open('profile', 'exit');
    } else if (/^address-family (ipv4 unicast|ipv6 unicast|l2vpn evpn)$/.test(t)) {
      if (top?.kind !== 'router') errors.push(`line ${n}: address-family outside router bgp`);
      if (indent !== 1) errors.push(`line ${n}: address-family at indent ${indent}, want 1`);
      open('af', 'exit-address-family');
    } else if (t === 'exit' || t === 'exit-vrf' || t === 'exit-address-family') {
      if (!top) errors.push(`line ${n}: "${t}" with no open block`);
      else if (top.closer !== t) errors.push(`line ${n}: "${t}" closes ${top.kind} of line ${top.line}, which needs "${top.closer}"`);
      else if (top.indent !== indent) errors.push(`line ${n}: "${t}" at indent ${indent}, its opener (line ${top.line}) at ${top.indent}`);
      stack.pop();
    } else if (/^(router|vrf|route-map|address-family|bfd)\b/.test(t)) {
      errors.push(`line ${n}: unrecognised block opener "${t}"`);
    } else if (top && indent <= top.indent) {
      errors.push(`line ${n}: "${t}" at indent ${indent} inside ${top.kind} of line ${top.line} (indent ${top.indent})`);
    } else if (!top && indent !== 0) {
      errors.push(`line ${n}: indented line "${t}" outside any block`);
    }
  });
  for (const o of stack) errors.push(`${o.kind} opened on line ${o.line} is never closed (needs "${o.closer}")`);
  return errors;
}
