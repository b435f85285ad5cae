// The netlink transport under load, on the host kernel: every request gets its
// reply. Many interleaved requests (reads, changes with NLM_F_ECHO, dumps that a
// second socket interrupts with NLM_F_DUMP_INTR) while the libuv threadpool is
// saturated (sends wait in its queue) and the garbage collector runs and
// reuses freed memory. This is what `npm run bench` at 100 VNIs used to hit:
// koffi does not keep an async call's buffer alive, a collected request buffer
// was sent as garbage and its requests timed out (ETIMEDOUT) with no reply.
import crypto from 'node:crypto';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamedNetns, deleteNamedNetns, netnsDir, openRtNetlink, type RtNetlink } from '../../src/dataplane/netlink/index.js';
import type { NetlinkSocket } from '../../src/dataplane/netlink/socket.js';

const isRoot = process.getuid?.() === 0;
const NS = `nls-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Keeps every threadpool thread busy with short jobs until stopped, so each
 * send waits in the pool's queue, and collects garbage meanwhile (reusing the
 * freed memory), so an unreferenced request buffer is freed while it waits.
 */
function loadThreadpoolAndGc(): () => Promise<unknown> {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let stopped = false;
  const busy = async (): Promise<void> => {
    while (!stopped) await new Promise((r) => crypto.pbkdf2('x', 'y', 5_000, 64, 'sha512', r));
  };
  const loops = Array.from({ length: threads }, busy);
  const timer = setInterval(() => {
    gc();
    const junk: Buffer[] = [];
    for (let k = 0; k < 300; k++) junk.push(Buffer.alloc(48 + ((k * 4) % 2048), 0xff));
  }, 2);
  return () => {
    stopped = true;
    clearInterval(timer);
    return Promise.all(loops);
  };
}

const addr = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.1/32`;

describe.skipIf(!isRoot)('netlink transport under load (host kernel)', () => {
  let rt: RtNetlink;
  let other: RtNetlink;

  beforeAll(async () => {
    createNamedNetns(NS);
    rt = openRtNetlink({ netnsPath: `${netnsDir()}/${NS}` });
    other = openRtNetlink({ netnsPath: `${netnsDir()}/${NS}` });
    const lo = await rt.getLink('lo');
    await rt.setLink(lo!.index, { up: true });
    // Enough addresses that an address dump takes several datagrams (DUMP_INTR needs a multi-part dump).
    await Promise.all(Array.from({ length: 1500 }, (_, i) => rt.addAddress(lo!.index, addr(i))));
  });

  afterAll(() => {
    rt?.close();
    other?.close();
    deleteNamedNetns(NS);
  });

  it('answers every interleaved request while the pool is busy and GC reuses memory', async () => {
    const stats = (rt as unknown as { socket: NetlinkSocket }).socket.stats;
    const lo = (await rt.getLink('lo'))!;
    const created = new Map<string, number>();
    for (let round = 0; round < 2; round++) {
      const stopLoad = loadThreadpoolAndGc();
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        work.push(rt.getLink('lo').then((l) => expect(l?.index).toBe(lo.index)));
        const name = `st${round}-${i}`;
        if (i % 3 === 0) work.push(rt.createLink({ name, spec: { kind: 'bridge' }, up: true }).then((l) => created.set(name, l.index)));
        if (i % 10 === 0) work.push(rt.dumpAddresses(4).then((as) => expect(as.length).toBeGreaterThanOrEqual(1500)));
        if (i % 20 === 0) work.push(rt.dumpLinks());
      }
      // Another socket changes addresses meanwhile: a dump running then sees NLM_F_DUMP_INTR and
      // starts over. At most 4 changes: a dump interrupted more than 5 times is an error, by design.
      const changes = (async (): Promise<void> => {
        for (let i = 0; i < 2; i++) {
          await new Promise((r) => setTimeout(r, 20));
          await other.addAddress(lo.index, addr(5000 + i));
          await other.deleteAddress(lo.index, addr(5000 + i));
        }
      })();
      const results = await Promise.allSettled([...work, changes]);
      await stopLoad();
      const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
      expect(failed).toEqual([]);
    }
    // Every echoed index is the link's real index; every dump part was consistent.
    const links = new Map((await rt.dumpLinks()).map((l) => [l.name, l.index]));
    for (const [name, index] of created) expect(links.get(name)).toBe(index);
    expect(created.size).toBe(40);
    expect(stats.overruns).toBe(0);
    // The interruptions really happened (the retry path ran).
    expect(stats.dumpRetries).toBeGreaterThan(0);
  });
});
