// The files as the loop sees them: a cheap digest (to tell a settled directory from one
// caught half-way through an update) and the desired state built from them.
import { constants, promises as fs } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { RouterConfig } from '../config/model.js';
import { BuildCache, buildDesiredStateAsync, type ConfigSources, type PipelineResult } from './desired-state.js';
import type { SourcesPort } from './ports.js';

/** Files larger than this are not hashed whole (the loader rejects them anyway). */
const DIGEST_CAP = 8 << 20;

/** Adds what `file` is now to `h`: its content, or its type/size when it is not a small regular file. */
async function hashFile(h: Hash, file: string): Promise<void> {
  let fh: fs.FileHandle | undefined;
  try {
    // O_NONBLOCK: a FIFO planted under a config name must not block the loop.
    fh = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return void h.update(`\0type:${st.mode & constants.S_IFMT}`);
    if (st.size > DIGEST_CAP) return void h.update(`\0big:${st.size}:${st.mtimeMs}:${st.ino}`);
    h.update(`\0file:${st.size}\0`);
    h.update(await fh.readFile());
  } catch (e) {
    h.update(`\0error:${(e as NodeJS.ErrnoException).code ?? 'unknown'}`);
  } finally {
    await fh?.close();
  }
}

export class FileSources implements SourcesPort {
  /** Files parsed and the last desired state, kept between builds (an unchanged file is not parsed again). */
  readonly cache = new BuildCache();

  constructor(private readonly src: ConfigSources) {}

  async digest(): Promise<{ ok: true; digest: string } | { ok: false; reason: string }> {
    const dir = this.src.configDir;
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read (${code})`;
      return { ok: false, reason: `configuration directory ${dir} ${why}` };
    }
    const h = createHash('sha256');
    h.update('node-config');
    await hashFile(h, this.src.nodeConfigPath);
    for (const n of names.sort()) {
      h.update(`\0entry:${n}`);
      if (/^openpe_.*\.ya?ml$/.test(n)) await hashFile(h, path.join(dir, n));
    }
    return { ok: true, digest: h.digest('hex') };
  }

  /** buildDesiredState, read and parsed without blocking the event loop, through the cache (the daemon's path). */
  build(apiConfig?: RouterConfig): Promise<PipelineResult> {
    return buildDesiredStateAsync(this.src, apiConfig ? { apiConfig } : undefined, this.cache);
  }
}
