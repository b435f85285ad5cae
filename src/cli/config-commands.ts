// `perouterd render` and `perouterd validate`: read the configuration, touch nothing.
// Loaded only when one of them runs (the pipeline pulls in ajv, yaml and the planners).
// Problems go to stderr, results to stdout; exit 1 when the configuration is invalid.
import { formatLocation, problemLine, type ConfigProblem, type FailedResource } from '../config/model.js';
import { buildDesiredState, type DesiredState, type PipelineResult } from '../daemon/desired-state.js';
import { journalPrefix } from '../service/journal-log.js';
import { DEFAULTS, configSources, type SourceOptions } from './settings.js';

type Failed = FailedResource;
const at = (f: Failed): string => (f.location ? formatLocation(f.location) + ': ' : '');
/** How each command words a failed resource (tests and operators' scripts read these lines). */
const FAILED_LINE = {
  validate: (f: Failed) => `error: ${at(f)}${f.kind} ${f.name} (${f.reason}): ${f.message}`,
  renderSkipped: (f: Failed) => `warning: ${at(f)}${f.kind} ${f.name} skipped (${f.reason}): ${f.message}`,
  renderFatal: (f: Failed) => `error: ${at(f)}${f.kind} ${f.name}: ${f.message}`,
};

function printProblems(out: NodeJS.WriteStream, r: PipelineResult, line: (f: Failed) => string): void {
  const problems = r.ok ? r.desired.problems : r.problems;
  const failed = r.ok ? r.desired.failed : r.failed;
  for (const p of problems) out.write(`${problemLine(p)}\n`);
  for (const f of failed) out.write(`${line(f)}\n`);
  if (!r.ok) out.write(`error: ${r.reason}\n`);
}

function renderText(d: DesiredState): string {
  const lines = [`# node ${d.node.nodeName}, index ${d.node.nodeIndex}`, '# ---- frr.conf ----', d.frrConfig + '# ---- kernel ----'];
  for (const nic of d.kernel.underlayNics) lines.push(`router  underlay NIC ${nic} (moved in, group ${d.kernel.underlayGroup})`);
  for (const a of d.kernel.loopbackAddresses) lines.push(`router  lo address ${a}`);
  for (const l of d.kernel.links) {
    const t = l.type;
    const detail =
      t.kind === 'vxlan'
        ? ` id ${t.vni} local ${t.local} dstport ${t.port} nolearning`
        : t.kind === 'veth' || t.kind === 'veth-peer'
          ? ` peer ${t.peer}@${t.peerNs}`
          : '';
    lines.push(
      `${l.ns.padEnd(7)} ${t.kind === 'veth-peer' ? 'veth' : t.kind} ${l.name}${detail}${l.master ? ` master ${l.master}` : ''}${l.addresses.length ? ` addr ${l.addresses.join(',')}` : ''}${l.mtuFromUnderlay ? ' mtu underlay-50' : ''}`,
    );
  }
  for (const s of d.kernel.sysctls) lines.push(`router  sysctl ${s.path}=${s.value}`);
  return lines.join('\n') + '\n';
}

export function render(o: SourceOptions & { nodeIndex?: number; output: string }): void {
  const r = buildDesiredState(configSources(o, o.nodeIndex !== undefined ? { nodeIndexOverride: o.nodeIndex } : {}));
  printProblems(process.stderr, r, r.ok ? FAILED_LINE.renderSkipped : FAILED_LINE.renderFatal);
  if (!r.ok) {
    process.exitCode = 1;
    return;
  }
  const d = r.desired;
  if (o.output === 'json') {
    const json = { node: d.node, plan: d.plan, kernel: d.kernel, frrConfig: d.frrConfig, failedResources: d.failed };
    process.stdout.write(JSON.stringify(json, (_k, v: unknown) => (v instanceof Set ? [...v] : v), 2) + '\n');
    return;
  }
  process.stdout.write(renderText(d));
}

/** `validate -o json`: the verdict and every problem as data (locations split into fields). */
export interface ValidateReport {
  valid: boolean;
  configDir: string;
  nodeConfig: string;
  files: string[];
  problems: Array<{ severity: ConfigProblem['severity']; message: string; file?: string; line?: number; column?: number; field?: string }>;
  failedResources: FailedResource[];
  /** Why nothing at all could be applied (an invalid file, the underlay). */
  error?: string;
}

export function validateReport(r: PipelineResult & { sourceFiles: string[] }, o: SourceOptions): ValidateReport {
  const problems = r.ok ? r.desired.problems : r.problems;
  const failed = r.ok ? r.desired.failed : r.failed;
  return {
    valid: r.ok && failed.length === 0,
    configDir: o.configDir ?? DEFAULTS.configDir,
    nodeConfig: o.nodeConfig ?? DEFAULTS.nodeConfig,
    files: r.sourceFiles,
    problems: problems.map((p) => ({ severity: p.severity, message: p.message, ...(p.location ?? {}) })),
    failedResources: failed,
    ...(r.ok ? {} : { error: r.reason }),
  };
}

export function validate(o: SourceOptions & { output: string }): void {
  const r = buildDesiredState(configSources(o));
  const report = validateReport(r, o);
  process.exitCode = report.valid ? 0 : 1;
  if (o.output === 'json') {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return;
  }
  const problems = r.ok ? r.desired.problems : r.problems;
  // Under systemd (ExecReload) each line carries its journal priority.
  const err = journalPrefix(3);
  const line = (stream: NodeJS.WriteStream, text: string, prefix = ''): boolean => stream.write(`${prefix}${text}\n`);
  for (const p of problems) line(process.stderr, problemLine(p), p.severity === 'error' ? err : journalPrefix(4));
  for (const f of report.failedResources) line(process.stderr, FAILED_LINE.validate(f), err);
  if (report.error) line(process.stderr, `error: ${report.error}`, err);
  // Say what was read, so a typo in a path never passes as "nothing configured".
  line(process.stdout, `read ${report.files.length} file(s) from ${report.configDir} and the node config ${report.nodeConfig}`);
  line(process.stdout, report.valid ? 'configuration is valid' : 'configuration has errors', report.valid ? '' : err);
}
