// The files as the loop sees them: a cheap digest (to tell a settled directory from one
// caught half-way through an update) and the desired state built from them.
import { constants, promises as fs } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import type { RouterConfig } from '../config/model.js';
import { ByIdentity } from '../config/file-cache.js';
import { ChangeFeed, type Changes, mustLook, namedOnly } from '../config/dir-changes.js';
import { inDirectory, lstatAll } from '../config/read.js';
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
  /** What the directory watch saw (triggers.ts feeds it): the digest and the build each keep a record. */
  readonly events = new ChangeFeed();
  private readonly digestChanges = this.events.record();
  private readonly buildChanges = this.events.record();

  /** `conclusiveNs`: tests shorten the age a file must have had when hashed for its identity to be trusted. */
  constructor(
    private readonly src: ConfigSources,
    opts: { conclusiveNs?: bigint } = {},
  ) {
    this.hashes = new ByIdentity<string>(opts.conclusiveNs);
  }

  /** The next digest and build look at every file (a reconcile not caused by file events alone). */
  rescan(): void {
    this.events.lost();
  }

  async digest(): Promise<{ ok: true; digest: string } | { ok: false; reason: string }> {
    const dir = this.src.configDir;
    const changes = this.digestChanges.take();
    let names: string[];
    let named: ReadonlySet<string> | undefined;
    try {
      named = namedOnly(changes, await fs.stat(dir));
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
    const tokens = await this.tokens(dir, files, named);
    // One update for every entry: one call per entry of thousands cost more than the hashing.
    h.update(names.map((n) => `\0entry:${n}${tokens.has(n) ? `\0${tokens.get(n)}` : ''}`).join(''));
    return { ok: true, digest: h.digest('hex') };
  }

  /**
   * Each file's content hash: kept from an earlier digest while the file's lstat proves it
   * unchanged (file-cache.ts's rule), read and hashed otherwise. The digest is thus the same
   * whichever way a file's hash came, and a no-op reconcile reads no file. With `named` (the
   * watch's complete record), the files dir-changes.ts lets pass keep their hash unlooked at.
   */
  private async tokens(dir: string, names: string[], named: ReadonlySet<string> | undefined): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const paths = names.map(inDirectory(dir));
    const look = named === undefined ? paths : paths.filter((p, i) => mustLook(names[i]!, named, this.hashes.keptRegular(p)));
    const looks = new Map((await lstatAll(look)).map((l, i) => [look[i]!, l]));
    for (const [i, p] of paths.entries()) {
      const name = names[i]!;
      const l = looks.get(p);
      const unlooked = l ? undefined : this.hashes.value(p); // kept, and no event named it
      if (unlooked !== undefined) {
        out.set(name, unlooked);
        continue;
      }
      const seen = l?.st?.isFile() ? { st: l.st, atNs: l.atNs } : undefined;
      const kept = seen && this.hashes.get(p, seen);
      const token = kept ?? (await fileToken(p));
      if (seen && kept === undefined) this.hashes.set(p, seen, token);
      out.set(name, token);
    }
    this.hashes.keepOnly(new Set(paths));
    return out;
  }

  /** buildDesiredState, read and parsed without blocking the event loop, through the cache (the daemon's path). */
  build(apiConfig?: RouterConfig): Promise<PipelineResult> {
    const changes: Changes = this.buildChanges.take(); // before reading: a change from now on is in the next record
    return buildDesiredStateAsync(this.src, apiConfig ? { apiConfig } : undefined, this.cache, changes);
  }
}
