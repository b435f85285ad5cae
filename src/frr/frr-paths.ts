// Where an FRR instance keeps its files, sockets and helper scripts (path space `-N`).
import fsSync from 'node:fs';

export interface FrrPaths {
  /** FRR path space (`-N`): config in /etc/frr/<ps>/, sockets in /var/run/frr/<ps>/. */
  pathspace: string;
  /** Owned by `frr`: perouterd writes here only with no-follow, exclusive-create-then-rename. */
  confDir: string;
  /** Root-only (0700): candidates live here, so nobody can swap one between check and reload. */
  workDir: string;
  runDir: string;
  reloadScript: string;
  vtysh: string;
  python: string;
}

/**
 * Where distributions keep FRR's helper scripts: Debian and Ubuntu in
 * /usr/lib/frr, the Fedora / RHEL family in /usr/libexec/frr. The first one that
 * holds frr-reload.py wins; PEROUTERD_FRR_LIBDIR names another.
 */
export const FRR_LIBDIRS = ['/usr/lib/frr', '/usr/libexec/frr'];

export function findFrrLibdir(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = (p) => fsSync.existsSync(p)): string {
  const configured = env.PEROUTERD_FRR_LIBDIR;
  if (configured) return configured;
  return FRR_LIBDIRS.find((d) => exists(`${d}/frr-reload.py`)) ?? FRR_LIBDIRS[0]!;
}

export function frrPaths(pathspace: string, overrides: Partial<FrrPaths> = {}): FrrPaths {
  return {
    pathspace,
    confDir: `/etc/frr/${pathspace}`,
    workDir: `/run/perouterd/frr-${pathspace}`,
    runDir: `/var/run/frr/${pathspace}`,
    reloadScript: `${findFrrLibdir()}/frr-reload.py`,
    vtysh: '/usr/bin/vtysh',
    python: '/usr/bin/python3',
    ...overrides,
  };
}
