// The boot test (issue 9): the freshly built .deb installed with apt on stock
// Debian 12 and 13 roots, booted with systemd as PID 1 (systemd-nspawn -b).
// test/boot/boot.sh does the work and prints "RESULT case.key=value" lines;
// this file turns them into assertions. Figures go to the console.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const RELEASES = (process.env.BOOT_RELEASES ?? 'bookworm trixie').split(/\s+/).filter(Boolean);
const available = existsSync('/usr/bin/systemd-nspawn') && existsSync('/usr/sbin/debootstrap') && process.getuid?.() === 0;
// In CI the boot test must run: missing tools are a failure there, not a skip.
const skip = !available && !process.env.CI;

let debs: { deb: string; newer: string } | undefined;

function buildDebs(): NonNullable<typeof debs> {
  // Generous: the build is shared with the package test and may be under way there.
  const out = execFileSync('bash', [`${HERE}debs.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_800_000 });
  const [deb, newer] = out.trim().split('\n').slice(-2);
  if (!deb || !newer) throw new Error(`debs.sh printed no packages: ${out}`);
  return { deb, newer };
}

/** Runs boot.sh for one release (under the lab lock when the shared machine has one). */
function bootRelease(release: string): Map<string, string> {
  const args = [`${HERE}boot.sh`, release, debs!.deb, debs!.newer];
  const cmd = existsSync('/work/lab.lock') ? ['flock', '/work/lab.lock', 'bash', ...args] : ['bash', ...args];
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', timeout: 1_200_000, maxBuffer: 64 * 1024 * 1024 });
  const results = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    const m = /^RESULT ([\w.]+)=(.*)$/.exec(line);
    if (m) results.set(m[1]!, m[2]!);
  }
  console.log(
    `[boot ${release}] exit ${r.status}\n${[...results].map(([k, v]) => `  ${k}=${v}`).join('\n')}\n${r.stderr.split('\n').slice(-25).join('\n')}`,
  );
  results.set('exit', String(r.status));
  return results;
}

describe.skipIf(skip)('boot test: the .deb under systemd as PID 1', () => {
  beforeAll(() => {
    if (!available) throw new Error('the boot test needs root, systemd-nspawn and debootstrap (scripts/setup.sh installs them)');
    debs = buildDebs();
  }, 1_800_000);

  for (const release of RELEASES) {
    describe(`Debian ${release}`, () => {
      let r: Map<string, string>;
      const get = (k: string): string => r.get(k) ?? `<${k} missing>`;
      const num = (k: string): number => Number(r.get(k) ?? NaN);
      beforeAll(() => {
        r = bootRelease(release);
      }, 1_200_000);

      it('the script ran every case', () => {
        expect(get('exit')).toBe('0');
      });
      it('the package came enabled', () => {
        expect(get('prep.enabled_by_package')).toBe('enabled');
      });
      it('the hardened units under test are the ones in systemd/', () => {
        expect(get('networkd.units_as_shipped')).toBe('yes');
        expect(num('networkd.exposure')).toBeLessThanOrEqual(3.0);
      });
      for (const c of ['networkd', 'ifupdown']) {
        describe(`underlay NIC managed by ${c}`, () => {
          it('boots to running, not degraded', () => {
            expect(get(`${c}.system_state`)).toBe('running');
          });
          it('moves the NIC into the router namespace with its address', () => {
            expect(get(`${c}.nic`).replace(/@if\d+/, '')).toBe('pbu0,192.168.11.3/24');
            expect(get(`${c}.nic_in_host`)).toBe('no');
          });
          it('brings the BGP session to the peer outside the container up', () => {
            expect(get(`${c}.bgp`)).toBe('Established');
          });
          it('starts the kubelet after READY, within a few seconds, with the overlay up', () => {
            expect(num(`${c}.ready_to_kubelet_ms`)).toBeGreaterThanOrEqual(0);
            expect(num(`${c}.ready_to_kubelet_ms`)).toBeLessThan(5000);
            expect(get(`${c}.kubelet_saw`)).toContain('nic: pbu0');
            expect(get(`${c}.kubelet_saw`)).toContain('192.168.11.3/24');
            expect(get(`${c}.kubelet_saw`)).toContain('pt-host');
            expect(get(`${c}.kubelet_saw`)).toContain('192.169.10.3/24');
            expect(get(`${c}.critical_chain`)).toMatch(/network-online\.target.*perouterd\.service/);
          });
          it('logs no error on a healthy boot', () => {
            expect(get(`${c}.err_lines`)).toBe('0');
          });
        });
      }
      it('restart loses no packet of a 10 ms ping across the router namespace', () => {
        expect(get('networkd.ping_before')).toBe('3 received');
        expect(get('networkd.restart_rc')).toBe('0');
        expect(num('networkd.restart_sent')).toBeGreaterThan(500);
        expect(get('networkd.restart_lost')).toBe('0');
        expect(get('networkd.restart_new_pid')).toBe('yes');
      });
      it('apt install of a newer build over the running one loses no packet', () => {
        expect(get('networkd.upgrade_rc')).toBe('0');
        expect(get('networkd.upgrade_version')).toMatch(/\+boottest1$/);
        expect(num('networkd.upgrade_sent')).toBeGreaterThan(500);
        expect(get('networkd.upgrade_lost')).toBe('0');
        expect(get('networkd.active_after_upgrade')).toBe('active');
        expect(get('networkd.upgrade_restarted')).toBe('yes');
      });
      it('reload with an invalid file fails, names file and line, and changes nothing', () => {
        expect(get('networkd.reload_rc')).not.toBe('0');
        expect(get('networkd.reload_err')).toMatch(/^openpe_broken\.yaml:4:\d+: l2vnis\[0\]\.vni/);
        expect(get('networkd.reload_changed')).toBe('no');
        expect(get('networkd.active_after_reload')).toBe('active');
      });
      it('a second perouterd for the same router namespace refuses', () => {
        expect(get('networkd.second_instance_rc')).toBe('3');
        expect(get('networkd.second_instance_msg')).toBe('already runs for router namespace "perouter"');
      });
      it('a node without perouterd configuration boots without delay', () => {
        expect(get('noconfig.system_state')).toBe('running');
        expect(get('noconfig.perouterd_condition')).toBe('no');
        expect(get('noconfig.frr_state')).toBe('inactive');
        expect(num('noconfig.boot_finished_ms')).toBeLessThan(15_000);
      });
    });
  }
});
