// An ApiPort for the daemon's unit test: serves a snapshot and records what the daemon
// reports and mirrors.
import type { RouterConfig } from '../../src/config/model.js';
import type { ApiPort, ApiStatusReport } from '../../src/daemon/ports.js';

export class FakeApi implements ApiPort {
  config: RouterConfig | undefined;
  readonly reports: ApiStatusReport[] = [];
  readonly mirrors: Array<{ nodeIndex: number; objects: number }> = [];
  connection: unknown = { connected: true };

  snapshot(): RouterConfig | undefined {
    return this.config;
  }

  async mirrorStatic(staticCfg: RouterConfig | undefined, nodeIndex: number): Promise<void> {
    const n = staticCfg ? Object.values(staticCfg).reduce((s, l: unknown[]) => s + l.length, 0) : 0;
    this.mirrors.push({ nodeIndex, objects: n });
  }

  async reportStatus(s: ApiStatusReport): Promise<void> {
    this.reports.push(s);
  }

  state(): unknown {
    return this.connection;
  }

  last(): ApiStatusReport | undefined {
    return this.reports.at(-1);
  }
}
