// Text that goes into logs, status objects and terminals: control characters escaped (so a key
// or value cannot rewrite the operator's terminal or forge a log line) and length capped.

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `s` with every control character written as an escape (`\n`, `\t`, `\x1b`, `\u2028`). */
export function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default: {
        const code = c.charCodeAt(0);
        return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
      }
    }
  });
}

/** `s` cut to at most `max` characters, ending in `…` when cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** Escaped, then truncated: what to echo of untrusted text. */
export function safeText(s: string, max = 200): string {
  return truncate(escapeControl(s), max);
}
