// Writes RPM %changelog entries from debian/changelog, so the two packages carry
// one history: `rpm-changelog.ts debian/changelog` prints the entries.
import fs from 'node:fs';

export interface ChangelogEntry {
  version: string;
  author: string;
  date: Date;
  changes: string[];
}

/** Parses the Debian changelog format (entry header, indented changes, " -- " trailer). */
export function parseDebianChangelog(text: string): ChangelogEntry[] {
  const entries: ChangelogEntry[] = [];
  let cur: { version: string; changes: string[] } | undefined;
  for (const line of text.split('\n')) {
    const head = /^\S+ \(([^)]+)\)/.exec(line);
    const trailer = /^ -- (.+?) {2}(.+)$/.exec(line);
    if (head?.[1]) cur = { version: head[1], changes: [] };
    else if (trailer?.[1] && trailer[2] && cur) {
      entries.push({ ...cur, author: trailer[1], date: new Date(trailer[2]) });
      cur = undefined;
    } else if (cur && line.trim()) cur.changes.push(line.replace(/^ {2}/, ''));
  }
  return entries;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function rpmChangelog(entries: ChangelogEntry[]): string {
  return entries
    .map((e) => {
      const d = e.date;
      const day = `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, '0')} ${d.getUTCFullYear()}`;
      const body = e.changes.map((c) =>
        c
          .replace(/^\* /, '- ')
          .replace(/^ {2}(?=\S)/, '  ')
          .replace(/%/g, '%%'),
      );
      return `* ${day} ${e.author} - ${e.version}-1\n${body.join('\n')}\n`;
    })
    .join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: rpm-changelog.ts <debian/changelog>');
  process.stdout.write(rpmChangelog(parseDebianChangelog(fs.readFileSync(file, 'utf8'))));
}
