// The service side (src/service): what perouterd tells systemd and when, the
// journal line format, the notify socket address, and the watchdog's liveness rule.
import { describe, expect, it, vi } from 'vitest';
import { configurationApplied, readinessStep, type ServiceView } from '../../src/service/readiness.js';
import { notifyMessage, notifySocketAddress, watchdogIntervalFromEnv, type ServiceManager } from '../../src/service/sd-notify.js';
import { journalLine, stdoutIsJournal, syslogPriority } from '../../src/service/journal-log.js';
import { attachServiceHooks, STUCK_RECONCILE_MS } from '../../src/service/hooks.js';

const view = (over: Partial<ServiceView>): ServiceView => ({
  state: 'starting',
  message: 'starting',
  kernel: { lastErrors: [] },
  frr: {},
  ...over,
});
const applied = { l3vnis: [], l2vnis: [110], passthrough: true };

describe('readiness', () => {
  it('is not ready while starting, waiting for FRR, or with an invalid configuration', () => {
    expect(configurationApplied(view({}))).toBe(false);
    expect(configurationApplied(view({ state: 'waiting-for-frr', message: 'x' }))).toBe(false);
    expect(configurationApplied(view({ state: 'config-invalid', message: 'x' }))).toBe(false);
  });
  it('is ready once applied, also when a resource was skipped by validation', () => {
    expect(configurationApplied(view({ state: 'ready', applied }))).toBe(true);
    expect(configurationApplied(view({ state: 'degraded', message: 'some resources failed validation', applied }))).toBe(true);
  });
  it('is not ready when a kernel change failed or FRR refused', () => {
    expect(configurationApplied(view({ state: 'degraded', applied, kernel: { lastErrors: ['x'] } }))).toBe(false);
    expect(configurationApplied(view({ state: 'degraded', applied, frr: { lastError: 'bad' } }))).toBe(false);
  });
  it('sends STATUS on every change and READY exactly once', () => {
    let mem = { readySent: false } as Parameters<typeof readinessStep>[0];
    const seq: Record<string, string>[] = [];
    for (const s of [
      view({}),
      view({}),
      view({ state: 'waiting-for-frr', message: 'FRR is not running' }),
      view({ state: 'ready', message: 'all configuration applied', applied }),
      view({ state: 'ready', message: 'all configuration applied', applied }),
      view({ state: 'config-invalid', message: 'bad file', applied }),
      view({ state: 'ready', message: 'all configuration applied', applied }),
    ]) {
      const step = readinessStep(mem, s);
      mem = step.next;
      seq.push(step.fields);
    }
    expect(seq).toEqual([
      { STATUS: 'starting: starting' },
      {},
      { STATUS: 'waiting-for-frr: FRR is not running' },
      { STATUS: 'ready: all configuration applied', READY: '1' },
      {},
      { STATUS: 'config-invalid: bad file' },
      { STATUS: 'ready: all configuration applied' },
    ]);
  });
});

describe('sd_notify encoding', () => {
  it('builds a path sockaddr_un with a terminating NUL', () => {
    const a = notifySocketAddress('/run/systemd/notify');
    expect(a.readUInt16LE(0)).toBe(1);
    expect(a.subarray(2).toString()).toBe('/run/systemd/notify\0');
  });
  it('builds an abstract sockaddr_un: leading NUL, no terminator', () => {
    const a = notifySocketAddress('@sd-notify/123');
    expect(a.length).toBe(2 + 1 + 'sd-notify/123'.length);
    expect(a[2]).toBe(0);
    expect(a.subarray(3).toString()).toBe('sd-notify/123');
  });
  it('rejects a relative name', () => {
    expect(() => notifySocketAddress('notify')).toThrow(/path or @name/);
  });
  it('joins fields as KEY=value lines, newlines in values flattened', () => {
    expect(notifyMessage({ READY: '1', STATUS: 'a\nb' })).toBe('READY=1\nSTATUS=a b');
  });
  it('pings at half the watchdog timeout, only for the process systemd meant', () => {
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000' }, 7)).toBe(15_000);
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7)).toBe(15_000);
    expect(watchdogIntervalFromEnv({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7)).toBeUndefined();
    expect(watchdogIntervalFromEnv({}, 7)).toBeUndefined();
  });
});

describe('journal lines', () => {
  it('maps pino levels to syslog priorities', () => {
    expect([10, 20, 30, 40, 50, 60].map(syslogPriority)).toEqual([7, 7, 6, 4, 3, 2]);
  });
  it('prefixes the priority, drops what journald records itself, prints each key once', () => {
    const raw = '{"level":50,"time":1,"pid":2,"hostname":"h","netns":"perouter","reason":"start","reason":"sighup","msg":"FRR rejects it"}';
    expect(journalLine(raw)).toBe('<3>FRR rejects it netns=perouter reason=sighup\n');
  });
  it('quotes values with spaces and prints objects as JSON, on one line', () => {
    const raw = JSON.stringify({ level: 30, msg: 'a\nb', where: 'x y', ops: ['add vni110'] });
    expect(journalLine(raw)).toBe('<6>a b where="x y" ops=["add vni110"]\n');
  });
  it('recognises the journal stream by device and inode', () => {
    const stat = () => ({ dev: 12, ino: 34 });
    expect(stdoutIsJournal({ JOURNAL_STREAM: '12:34' }, stat)).toBe(true);
    expect(stdoutIsJournal({ JOURNAL_STREAM: '12:35' }, stat)).toBe(false);
    expect(stdoutIsJournal({}, stat)).toBe(false);
  });
});

describe('service hooks', () => {
  const fakeDaemon = () => {
    const listeners: (() => void)[] = [];
    return {
      status: view({}) as ServiceView,
      busy: 0,
      onStatus: (l: () => void) => listeners.push(l),
      busyForMs() {
        return this.busy;
      },
      emit: () => listeners.forEach((l) => l()),
    };
  };
  it('publishes status changes and READY, pings the watchdog, withholds it for a stuck reconcile', () => {
    vi.useFakeTimers();
    try {
      const sent: Record<string, string>[] = [];
      const manager: ServiceManager = { notify: (f) => sent.push(f), watchdogIntervalMs: () => 1000 };
      const d = fakeDaemon();
      const warnings: string[] = [];
      const hooks = attachServiceHooks(d, manager, (m) => warnings.push(m));
      d.status = view({ state: 'ready', message: 'all configuration applied', applied });
      d.emit();
      vi.advanceTimersByTime(2000);
      d.busy = STUCK_RECONCILE_MS + 1;
      vi.advanceTimersByTime(3000);
      hooks.stopping();
      hooks.close();
      vi.advanceTimersByTime(3000);
      expect(sent).toEqual([
        { STATUS: 'starting: starting' },
        { STATUS: 'ready: all configuration applied', READY: '1' },
        { WATCHDOG: '1' },
        { WATCHDOG: '1' },
        { STOPPING: '1', STATUS: 'stopping; the dataplane stays in place' },
      ]);
      expect(warnings).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});
