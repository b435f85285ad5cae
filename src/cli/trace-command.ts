// `perouterd trace <destination>`: reads the configuration (for the plan), asks the router
// namespace's kernel and FRR, prints the decision of src/observe/trace.ts.
import { buildDesiredState } from '../daemon/desired-state.js';
import { netnsExists } from '../dataplane/netlink/index.js';
import { gatherTraceFacts } from '../observe/trace-facts.js';
import { formatTrace } from '../observe/trace-format.js';
import { trace } from '../observe/trace.js';
import { routerTraceSources } from '../observe/router-sources.js';
import { configSources, type SourceOptions } from './settings.js';

export interface TraceOptions extends SourceOptions {
  from?: string;
  vrf?: string;
  output: 'text' | 'json';
  netns: string;
  frrPathspace?: string;
}

export async function traceCommand(destination: string, o: TraceOptions): Promise<void> {
  const r = buildDesiredState(configSources(o));
  if (!r.ok) {
    process.stderr.write(`error: ${r.reason} (perouterd validate lists the problems)\n`);
    process.exitCode = 1;
    return;
  }
  if (!netnsExists(o.netns)) {
    process.stderr.write(`error: router namespace /run/netns/${o.netns} does not exist (is perouterd running?)\n`);
    process.exitCode = 1;
    return;
  }
  const plan = r.desired.plan;
  const src = routerTraceSources(o.netns, o.frrPathspace ?? o.netns);
  try {
    const facts = await gatherTraceFacts(src, plan, {
      destination,
      ...(o.from ? { from: o.from } : {}),
      ...(o.vrf ? { vrf: o.vrf } : {}),
    });
    const results = trace(facts);
    process.stdout.write(o.output === 'json' ? JSON.stringify(results, null, 2) + '\n' : formatTrace(results));
  } finally {
    src.close();
  }
}
