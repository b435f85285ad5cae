// The demo's story channel. A scenario (inside the lab) prints story lines and
// progress notes on the console with a marker; the host (demo.ts) shows only
// those on the terminal and keeps everything else (kernel, FRR, perouterd,
// check details) in the raw log. Both sides import this file; it has no side
// effects.

export const STORY_MARK = '@@STORY';
export const PROGRESS_MARK = '@@PROGRESS';

/** The story's milestones, in the order the demo tells them (the lab test checks the order). */
export const MILESTONES = [
  'topology',
  'files',
  'perouterd',
  'sessions',
  'evpn',
  'vrf-routes',
  'ping',
  'status',
  'trace',
  'live-change',
  'checks',
] as const;
export type Milestone = (typeof MILESTONES)[number];

/** Lab side: one story paragraph; its first line is the milestone's heading. */
export function story(id: Milestone, text: string): void {
  for (const line of text.split('\n')) process.stdout.write(`${STORY_MARK} ${id} ${line}\n`);
}

/** Lab side: something that takes seconds has started (shown until the next story line). */
export function progress(text: string): void {
  process.stdout.write(`${PROGRESS_MARK} ${text}\n`);
}

export type StoryEvent = { kind: 'story'; id: string; text: string } | { kind: 'progress'; text: string };

/** Host side: the story event a console line carries, if any. */
export function parseStoryLine(line: string): StoryEvent | undefined {
  const l = line.replace(/\r$/, '');
  if (l.startsWith(`${STORY_MARK} `)) {
    const rest = l.slice(STORY_MARK.length + 1);
    const sp = rest.indexOf(' ');
    return sp < 0 ? { kind: 'story', id: rest, text: '' } : { kind: 'story', id: rest.slice(0, sp), text: rest.slice(sp + 1) };
  }
  if (l.startsWith(`${PROGRESS_MARK} `)) return { kind: 'progress', text: l.slice(PROGRESS_MARK.length + 1) };
  return undefined;
}

/** Host side: milestones in the order they first appeared in a console log. */
export function milestonesIn(log: string): string[] {
  const seen: string[] = [];
  for (const line of log.split('\n')) {
    const e = parseStoryLine(line);
    if (e?.kind === 'story' && !seen.includes(e.id)) seen.push(e.id);
  }
  return seen;
}
