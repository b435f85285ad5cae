// Label selectors (metav1.LabelSelector) matched against a Node's labels, with the semantics of
// upstream's `internal/filter/nodeselector.go` (metav1.LabelSelectorAsSelector):
//   * no selector (undefined / null) matches every node; an empty selector `{}` too;
//   * matchLabels: every key present with exactly that value;
//   * In: the key is present and its value is one of `values` (which must not be empty);
//   * NotIn: the key is absent, or its value is not one of `values` (which must not be empty);
//   * Exists / DoesNotExist: the key is present / absent (`values` must be empty).
// A malformed selector matches nothing: `selectorError` says why.

import type { LabelSelector } from '../config/model.js';

export type Labels = Readonly<Record<string, string>>;

/** Why a selector cannot be evaluated (as LabelSelectorAsSelector would refuse it), or undefined. */
export function selectorError(sel: LabelSelector | undefined | null): string | undefined {
  if (sel === undefined || sel === null) return undefined;
  for (const [i, r] of (sel.matchExpressions ?? []).entries()) {
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return `matchExpressions[${i}]: for 'in', 'notin' operators, values set can't be empty`;
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) return `matchExpressions[${i}]: values set must be empty for exists and does not exist`;
        break;
      default:
        return `matchExpressions[${i}]: "${String((r as { operator: unknown }).operator)}" is not a valid label selector operator`;
    }
  }
  return undefined;
}

/** Whether `labels` satisfy `sel`. A malformed selector matches nothing. */
export function matchesSelector(sel: LabelSelector | undefined | null, labels: Labels): boolean {
  if (sel === undefined || sel === null) return true;
  if (selectorError(sel) !== undefined) return false;
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!has(k) || labels[k] !== v) return false;
  }
  for (const r of sel.matchExpressions ?? []) {
    const values = r.values ?? [];
    const present = has(r.key);
    switch (r.operator) {
      case 'In':
        if (!present || !values.includes(labels[r.key] as string)) return false;
        break;
      case 'NotIn':
        if (present && values.includes(labels[r.key] as string)) return false;
        break;
      case 'Exists':
        if (!present) return false;
        break;
      case 'DoesNotExist':
        if (present) return false;
        break;
    }
  }
  return true;
}
