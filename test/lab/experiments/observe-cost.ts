// Experiment (not run in CI): what one kernel observation costs inside User-Mode Linux with
// real VRFs, and how much of it is the kernel's own work. Builds the kernel objects of the
// scale benchmark's N VNIs (scale-config.ts) with perouterd's dataplane (no FRR), then times,
// three rounds each:
//   kernel floor  the same dumps read by blocking recv() on the main thread, nothing decoded
//                 (the kernel filling the messages, plus one syscall per datagram);
//   observe       NetlinkDataplane.observe (4 dumps on pool threads, decoded);
//   diff          diffKernel of the plan against that observation;
//   no-op         reconcileKernel with nothing to change (observe + diff).
// Run it by hand, under the lab lock:
//   npm run build && flock /work/lab.lock node build/test/lab/harness/run.js build/test/lab/experiments/observe-cost.js 1000
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import koffi from 'koffi';
import { NetlinkDataplane, reconcileKernel } from '../../../src/dataplane/dataplane.js';
import { diffKernel } from '../../../src/dataplane/diff.js';
import { encodeIfAddrMsg, encodeIfInfoMsg, attrU32, decodeNlMsgs, encodeNlMsg } from '../../../src/dataplane/netlink/codec.js';
import * as K from '../../../src/dataplane/netlink/constants.js';
import { openNetlinkSocket } from '../../../src/dataplane/netlink/socket-open.js';
import { netnsDir } from '../../../src/dataplane/netlink/index.js';
import { ipBatch, run, sleep } from '../harness/fabric.js';
import { log, measure, runScenario } from '../harness/results.js';
import { writeConfig } from '../../bench/scale-config.js';
import { desired } from '../../bench/scale-pure.js';
import { withoutErrors } from '../../bench/kernel-report.js';

const libc = koffi.load('libc.so.6');
const send = libc.func('long send(int fd, void *buf, size_t len, int flags)');
const recv = libc.func('long recv(int fd, void *buf, size_t len, int flags)');
const close = libc.func('int close(int fd)');

/** One dump read with blocking recv(): messages, datagrams, ms. */
function rawDump(netns: string, type: number, payload: Buffer): { msgs: number; datagrams: number; ms: number } {
  const { fd, pid } = openNetlinkSocket({ netnsPath: `${netnsDir()}/${netns}` });
  const buf = Buffer.alloc(64 << 10);
  const t = performance.now();
  const req = encodeNlMsg(type, K.NLM_F_REQUEST | K.NLM_F_DUMP, 1, pid, payload);
  send(fd, req, req.length, 0);
  let msgs = 0;
  let datagrams = 0;
  for (let done = false; !done;) {
    const n = Number(recv(fd, buf, buf.length, 0));
    if (n <= 0) throw new Error(`recv: ${n}`);
    datagrams++;
    for (const m of decodeNlMsgs(buf, n))
      if (m.type === K.NLMSG_DONE) done = true;
      else msgs++;
  }
  const ms = performance.now() - t;
  close(fd);
  return { msgs, datagrams, ms };
}

const rounds = <T>(n: number, fn: () => Promise<T> | T): Promise<number[]> =>
  (async () => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      out.push(performance.now() - t);
    }
    return out;
  })();

runScenario(async () => {
  const n = Number(process.argv[2] ?? 1000);
  const cfg = writeConfig(n);
  const plan = desired(cfg).kernel;
  rmSync(cfg.dir, { recursive: true, force: true });
  const p = { host: 'oh', router: 'or' };
  await run('ip', ['netns', 'add', p.host]);
  await ipBatch(p.host, ['link set lo up', 'link add toswitch type dummy', 'link set toswitch up']);
  const dp = new NetlinkDataplane(p.router, { hostNetns: p.host });
  dp.ensureRouterNamespace();
  const t = performance.now();
  withoutErrors(await reconcileKernel(dp, plan), 'cold');
  log(`N=${n}: ${plan.links.length} links created in ${(performance.now() - t).toFixed(0)} ms`);
  await sleep(5000); // IPv6 autoconfiguration settles
  const linkReq = Buffer.concat([encodeIfInfoMsg({}), attrU32(K.IFLA_EXT_MASK, 1 << 3)]);
  const floor: Record<string, unknown> = {};
  for (const ns of [p.router, p.host]) {
    const l = [0, 1, 2].map(() => rawDump(ns, K.RTM_GETLINK, linkReq));
    const a = [0, 1, 2].map(() => rawDump(ns, K.RTM_GETADDR, encodeIfAddrMsg({ family: 0 })));
    floor[ns] = { links: l, addrs: a };
    log(
      `kernel floor ${ns}: links ${l.map((x) => `${x.msgs}/${x.datagrams}dg ${x.ms.toFixed(0)} ms`).join(', ')}; addrs ${a.map((x) => `${x.msgs} ${x.ms.toFixed(0)} ms`).join(', ')}`,
    );
  }
  const sysctls = plan.sysctls.map((s) => s.path);
  const observe = await rounds(3, () => dp.observe(sysctls));
  const observed = await dp.observe(sysctls);
  const diff = await rounds(3, () => diffKernel(plan, observed));
  const noop = await rounds(3, async () => {
    const r = await reconcileKernel(dp, plan);
    if (r.writes !== 0) throw new Error(`no-op made ${r.writes} writes`);
  });
  const f = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(' / ');
  log(`N=${n}: observe ${f(observe)} ms; diff ${f(diff)} ms; no-op reconcile ${f(noop)} ms`);
  measure('observeCost', { n, links: plan.links.length, floor, observe, diff, noop });
  dp.close();
});
