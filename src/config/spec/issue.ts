import type { Severity } from '../model.js';
import type { PathSeg } from '../yaml-source.js';

/** A problem found in one spec or file, located by its data path so a loader can map it to file:line. */
export interface RuleIssue {
  severity: Severity;
  /** Data path of the offending value (`['l3vnis', 0, 'exportRTs', 1]`). */
  path: PathSeg[];
  message: string;
  /** Point at the key rather than at the value. */
  key?: boolean;
}
