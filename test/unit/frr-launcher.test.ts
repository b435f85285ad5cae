// The test FRR launcher starts perouterd's FRR instance with the options of the daemons
// file perouterd ships, as frrinit.sh would (the lab's FRR-restart fault depends on it).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { daemonOptions } from '../support/frr.js';

describe('daemonOptions', () => {
  it("reads each daemon's options from perouterd's daemons file: zebra keeps a crashed instance's routes", () => {
    const opts = daemonOptions(fileURLToPath(new URL('../../packaging/frr/daemons', import.meta.url)));
    expect(opts('zebra')).toEqual(['-A', '127.0.0.1', '-s', '90000000', '-K', '60']);
    expect(opts('bgpd')).toEqual(['-A', '127.0.0.1']);
    expect(opts('mgmtd')).toEqual([]);
  });

  it('ignores comments and lines of other shapes', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'daemons-')), 'daemons');
    writeFileSync(f, '#zebra_options="-K 1"\nbgpd=yes\n bfdd_options="x"\nbfdd_options="  -A ::1 "\n');
    const opts = daemonOptions(f);
    expect(opts('zebra')).toEqual([]);
    expect(opts('bfdd')).toEqual(['-A', '::1']);
  });
});
