// A throw-away self-signed serving certificate (EC P-256, CA:TRUE; SAN 127.0.0.1 and localhost
// unless told otherwise), made with the openssl CLI: node:crypto cannot write X.509 certificates.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServingCert {
  certPem: string;
  keyPem: string;
}

/** `sans` in openssl's form: `IP:10.0.0.1`, `DNS:api.lab`. */
export function selfSignedCert(commonName = 'perouterd-apiserver-standin', sans = ['IP:127.0.0.1', 'DNS:localhost']): ServingCert {
  const dir = mkdtempSync(join(tmpdir(), 'apiserver-standin-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '2',
        '-subj',
        `/CN=${commonName}`,
        '-addext',
        `subjectAltName=${sans.join(',')}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
