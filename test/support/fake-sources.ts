// A SourcesPort for the daemon's unit test: the "files" are an in-memory static RouterConfig
// (or a missing directory, or bytes still being written), turned into the desired state by
// the real pure pipeline (desiredFrom), or a real directory read by `validate`'s path
// (buildDesiredState: the same result as the daemon's own, test/unit/desired-state-async.test.ts);
// the digest stays the fake's (bumped by set()).
import type { NodeSettings, RouterConfig } from '../../src/config/model.js';
import { buildDesiredState, type ConfigSources, desiredFrom, type PipelineResult } from '../../src/daemon/desired-state.js';
import type { SourcesPort } from '../../src/daemon/ports.js';

export type FakeFiles = { missing: true } | { invalid: string } | { config: RouterConfig } | { dir: ConfigSources };

export class FakeSources implements SourcesPort {
  files: FakeFiles = { missing: true };
  /** Bumped on every change: the digest of the fake directory. */
  private version = 0;
  /** Changes applied in order on each digest() call (simulates a writer racing the reads). */
  readonly script: FakeFiles[] = [];
  digests = 0;
  builds = 0;
  /** Reconciles told to read every file (any cause but file events alone). */
  rescans = 0;

  constructor(readonly node: NodeSettings = { nodeName: 'node1', nodeIndex: 0, logLevel: 'info' }) {}

  set(files: FakeFiles): void {
    this.files = files;
    this.version++;
  }

  rescan(): void {
    this.rescans++;
  }

  async digest(): Promise<{ ok: true; digest: string } | { ok: false; reason: string }> {
    this.digests++;
    const next = this.script.shift();
    if (next) this.set(next);
    if ('missing' in this.files) return { ok: false, reason: 'configuration directory /cfg does not exist' };
    return { ok: true, digest: `v${this.version}` };
  }

  build(apiConfig?: RouterConfig): PipelineResult {
    this.builds++;
    if ('missing' in this.files) return { ok: false, problems: [], failed: [], reason: 'configuration directory /cfg does not exist' };
    if ('invalid' in this.files)
      return {
        ok: false,
        problems: [{ severity: 'error', message: this.files.invalid }],
        failed: [],
        reason: 'static configuration is invalid',
      };
    if ('dir' in this.files) return buildDesiredState(this.files.dir, apiConfig ? { apiConfig } : undefined);
    return desiredFrom(this.node, this.files.config, [], apiConfig);
  }
}
