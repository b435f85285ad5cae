// The files as the loop sees them: a cheap digest (to tell a settled directory from one
// caught half-way through an update) and the desired state built from them.
import { constants, promises as fs } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { RouterConfig } from '../config/model.js';
import { ByIdentity } from '../config/file-cache.js';
import { lstatAll } from '../config/read.js';
import { BuildCache, buildDesiredStateAsync, type ConfigSources, type PipelineResult } from './desired-state.js';
import type { SourcesPort } from './ports.js';

/** Files larger than this are not hashed whole (the loader rejects them anyway). */
const DIGEST_CAP = 8 << 20;

/** What `file` is now, hashed: its content, or its type/size when it is not a small regular file. */
async function fileToken(file: string): Promise<string> {
  const h = createHash('sha256');
  await hashFile(h, file);
  return h.digest('base64');
}

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
  /** Each static file's content hash for the settle digest, kept while its identity proves it unchanged. */
  private readonly hashes: ByIdentity<string>;

  /** `conclusiveNs`: tests shorten the age a file must have had when hashed for its identity to be trusted. */
  constructor(
    private readonly src: ConfigSources,
    opts: { conclusiveNs?: bigint } = {},
  ) {
    this.hashes = new ByIdentity<string>(opts.conclusiveNs);
  }

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
    const files = names.sort().filter((n) => /^openpe_.*\.ya?ml$/.test(n));
    const tokens = await this.tokens(files.map((n) => path.join(dir, n)));
    for (const n of names) {
      h.update(`\0entry:${n}`);
      const t = tokens.get(path.join(dir, n));
      if (t !== undefined) h.update(`\0${t}`);
    }
    return { ok: true, digest: h.digest('hex') };
  }

  /**
   * Each file's content hash: kept from an earlier digest while the file's lstat proves it
   * unchanged (file-cache.ts's rule), read and hashed otherwise. The digest is thus the same
   * whichever way a file's hash came, and a no-op reconcile reads no file.
   */
  private async tokens(paths: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const looks = await lstatAll(paths);
    for (const [i, p] of paths.entries()) {
      const { st, atNs } = looks[i]!;
      const seen = st?.isFile() ? { st, atNs } : undefined;
      const kept = seen && this.hashes.get(p, seen);
      const token = kept ?? (await fileToken(p));
      if (seen && kept === undefined) this.hashes.set(p, seen, token);
      out.set(p, token);
    }
    this.hashes.keepOnly(new Set(paths));
    return out;
  }

  /** buildDesiredState, read and parsed without blocking the event loop, through the cache (the daemon's path). */
  build(apiConfig?: RouterConfig): Promise<PipelineResult> {
    return buildDesiredStateAsync(this.src, apiConfig ? { apiConfig } : undefined, this.cache);
  }
}
