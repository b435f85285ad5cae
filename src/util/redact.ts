// Secrets never reach a log line or status.json, whatever error text carries them (a YAML
// parser quoting a kubeconfig's `token:` line, an HTTP library echoing a header). This is
// the last line of defence: the sources should not quote secrets in the first place.

const SECRET_KEY =
  /((?:^|[^A-Za-z0-9-])(?:token|id-token|refresh-token|access-token|password|passwd|secret|client-key-data|auth-provider)\\?["']?\s*[:=]\s*\\?["']?)([^\s"'\\,;}]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;

/** `text` with secret-looking values replaced by `<redacted>`. */
export function redactSecrets(text: string): string {
  return text
    .replace(JWT, '<redacted>')
    .replace(BEARER, '$1 <redacted>')
    .replace(SECRET_KEY, (_m, key: string) => `${key}<redacted>`);
}

/** A shallow copy of a log record with every string value redacted (nested values stringified first). */
export function redactRecord(rec: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    if (typeof v === 'string') out[k] = redactSecrets(v);
    else if (v !== null && typeof v === 'object') {
      const s = JSON.stringify(v);
      const r = redactSecrets(s);
      out[k] = r === s ? v : JSON.parse(r);
    } else out[k] = v;
  }
  return out;
}

/** FRR's own spelling of secrets: `neighbor X password S`, `key-string S`, `authentication-key S`. */
const FRR_SECRET = /(\b(?:password|key-string|authentication-key|message-digest-key \d+ md5)\s+)(\S+)/g;

/** An FRR configuration (or vtysh output) with its secrets redacted, then the generic rules. */
export function redactFrrConfig(text: string): string {
  return redactSecrets(text.replace(FRR_SECRET, '$1<redacted>'));
}
