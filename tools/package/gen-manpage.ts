// Writes perouterd(8) from the CLI's own --help, so the man page can never
// disagree with the program: `perouterd --help` gives the commands, and
// `perouterd help <command>` each command's options. Only FILES, SIGNALS and
// SEE ALSO are written here. Run at package build time (node strips the types).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface HelpEntry {
  term: string;
  text: string;
}

export interface ParsedHelp {
  usage: string;
  description: string;
  /** Section name ("Options", "Commands", "Arguments") to its entries. */
  sections: Map<string, HelpEntry[]>;
}

/** Parses commander's help text (wrapped at 80 columns) back into entries. */
export function parseHelp(text: string): ParsedHelp {
  const lines = text.replace(/\s+$/, '').split('\n');
  const usage = (lines.shift() ?? '').replace(/^Usage:\s*/, '');
  const desc: string[] = [];
  const sections = new Map<string, HelpEntry[]>();
  let current: HelpEntry[] | undefined;
  for (const line of lines) {
    const head = /^(\w[\w ]*):$/.exec(line);
    if (head?.[1]) {
      current = [];
      sections.set(head[1], current);
      continue;
    }
    if (!current) {
      if (line.trim()) desc.push(line.trim());
      continue;
    }
    const entry = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
    if (entry?.[1]) current.push({ term: entry[1], text: entry[2] ?? '' });
    else if (line.trim() && current.length) {
      const last = current[current.length - 1]!;
      last.text = `${last.text} ${line.trim()}`.trim();
    }
  }
  return { usage, description: desc.join(' '), sections };
}

/** roff escaping: backslashes, leading dots/quotes, and minus signs that are options. */
export function roff(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/, '\\&$1');
}

function termRoff(term: string): string {
  // "-o, --output <format>": option names bold, placeholders italic.
  return term
    .split(/(<[^>]+>|\[[^\]]+\])/)
    .map((part) => (/^[<[]/.test(part) ? `\\fI${roff(part)}\\fR` : `\\fB${roff(part)}\\fR`))
    .join('');
}

function entries(list: HelpEntry[] | undefined): string[] {
  const out: string[] = [];
  for (const e of list ?? []) {
    if (/^-h, --help$/.test(e.term)) continue;
    out.push('.TP', termRoff(e.term), roff(e.text));
  }
  return out;
}

export interface ManPageInput {
  top: string;
  commands: Array<{ name: string; help: string }>;
  version: string;
  /** YYYY-MM-DD, from SOURCE_DATE_EPOCH so two builds give the same page. */
  date: string;
}

const STATIC_SECTIONS = `.SH SIGNALS
.TP
.B SIGHUP
\\fBrun\\fR re\\-reads and re\\-applies the configuration (\\fBsystemctl reload perouterd\\fR).
.TP
.B SIGTERM
\\fBrun\\fR exits and leaves the router namespace, FRR and every kernel object in
place: stopping, restarting or upgrading the daemon never takes a network down.
.SH FILES
.TP
.I /var/lib/openperouter/node\\-config.yaml
The node configuration (node index, underlay NIC, ...).
.TP
.I /var/lib/openperouter/configs/openpe_*.yaml
Underlays, L3VNIs, L2VNIs and passthroughs, in OpenPERouter's format.
.TP
.I /etc/frr/perouter/
Path space of the FRR instance in the router namespace (\\fBvtysh \\-N perouter\\fR);
\\fIdaemons\\fR is shipped, \\fIfrr.conf\\fR is written by perouterd.
.TP
.I /run/perouterd/status.json
Outcome of the last reconcile.
.TP
.I /usr/share/doc/perouterd/README.md
Installing, operating, upgrading and removing the service.
.SH SEE ALSO
.BR vtysh (1),
.BR systemctl (1),
.BR journalctl (1),
.BR ip\\-netns (8)
`;

export function renderManPage(input: ManPageInput): string {
  const top = parseHelp(input.top);
  const out = [
    `.TH PEROUTERD 8 "${input.date}" "perouterd ${roff(input.version)}" "System Administration"`,
    '.SH NAME',
    `perouterd \\- ${roff(top.description.replace(/^./, (c) => c.toLowerCase()))}`,
    '.SH SYNOPSIS',
    '.B perouterd',
    '.I command',
    '.RI [ options ]',
    '.SH DESCRIPTION',
    roff(top.description) + '.',
    '.SH OPTIONS',
    ...entries(top.sections.get('Options')),
    '.SH COMMANDS',
  ];
  for (const c of input.commands) {
    const h = parseHelp(c.help);
    out.push(`.SS "${roff(h.usage)}"`, roff(h.description), ...entries(h.sections.get('Arguments')), ...entries(h.sections.get('Options')));
  }
  return `${out.join('\n')}\n${STATIC_SECTIONS}`;
}

/** Runs the built CLI with this node and writes the page. */
function main(argv: string[]): void {
  const [cli, version, outFile] = argv;
  if (!cli || !version || !outFile) throw new Error('usage: gen-manpage.ts <dist/cli/main.js> <version> <out.8>');
  const help = (...args: string[]): string =>
    execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const top = help('--help');
  const names = (parseHelp(top).sections.get('Commands') ?? []).map((e) => e.term.split(' ')[0]!).filter((n) => n !== 'help');
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? '0');
  const date = new Date(epoch * 1000).toISOString().slice(0, 10);
  const page = renderManPage({ top, commands: names.map((name) => ({ name, help: help('help', name) })), version, date });
  fs.writeFileSync(outFile, page);
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
