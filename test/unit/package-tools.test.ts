// Build-time tools of the packages (tools/package/) and the FRR helper discovery
// that makes one binary run on both distribution families.
import { describe, expect, it } from 'vitest';
import { findFrrLibdir } from '../../src/frr/reloader.js';
import { classifyLicence, copyrightLines, fieldText } from '../../tools/package/gen-copyright.js';
import { parseHelp, renderManPage, roff } from '../../tools/package/gen-manpage.js';
import { parseDebianChangelog, rpmChangelog } from '../../tools/package/rpm-changelog.js';

const TOP = `Usage: perouterd [options] [command]

Host-level PE router daemon: BGP EVPN / VXLAN to the fabric, overlays to the
host

Options:
  -V, --version           output the version number
  -h, --help              display help for command

Commands:
  run [options]           apply the configuration and keep it applied (SIGHUP
                          re-applies)
  help [command]          display help for command
`;

const RUN = `Usage: perouterd run [options]

apply the configuration

Options:
  --config-dir <dir>      directory of openpe_*.yaml files (default:
                          "/var/lib/openperouter/configs")
  --no-watch              do not watch the configuration files
  -h, --help              display help for command
`;

describe('man page from --help', () => {
  it('parses commander help, joining wrapped lines', () => {
    const h = parseHelp(TOP);
    expect(h.usage).toBe('perouterd [options] [command]');
    expect(h.description).toBe('Host-level PE router daemon: BGP EVPN / VXLAN to the fabric, overlays to the host');
    expect(h.sections.get('Commands')).toEqual([
      { term: 'run [options]', text: 'apply the configuration and keep it applied (SIGHUP re-applies)' },
      { term: 'help [command]', text: 'display help for command' },
    ]);
  });

  it('renders every option of every command, escaped for roff', () => {
    const page = renderManPage({ top: TOP, commands: [{ name: 'run', help: RUN }], version: '0.1.0', date: '2026-12-01' });
    expect(page).toMatch(/^\.TH PEROUTERD 8 "2026-12-01" "perouterd 0\.1\.0"/);
    expect(page).toContain('.SS "perouterd run [options]"');
    expect(page).toContain('\\fB\\-\\-config\\-dir \\fR\\fI<dir>\\fR');
    expect(page).toContain('(default: "/var/lib/openperouter/configs")');
    expect(page).not.toContain('display help for command\n.TP'); // -h/--help left out
    expect(roff('.x \\ -y')).toBe('\\&.x \\e \\-y');
  });
});

describe('copyright from the bundled modules', () => {
  it('finds copyright lines, not licence templates', () => {
    expect(copyrightLines('MIT License\n\nCopyright (c) 2015-2021 Evgeny Poberezkin\n\nPermission is hereby granted')).toEqual([
      '2015-2021 Evgeny Poberezkin',
    ]);
    expect(copyrightLines('   Copyright [yyyy] [name of copyright owner]\n')).toEqual([]);
    expect(copyrightLines('Copyright Node.js contributors. All rights reserved.')).toEqual(['Node.js contributors']);
  });

  it('formats DEP-5 field text and recognises vendored licences', () => {
    expect(fieldText('a\n\n\tb\r\n')).toBe(' a\n .\n     b');
    expect(classifyLicence('Permission is hereby granted, free of charge, to any person')).toBe('MIT');
    expect(classifyLicence('something else')).toBeUndefined();
  });
});

describe('RPM %changelog from debian/changelog', () => {
  it('keeps one history in both formats', () => {
    const deb = `perouterd (0.1.1) unstable; urgency=medium

  * Second: 100% better,
    wrapped.

 -- A B <a@b.invalid>  Wed, 02 Dec 2026 10:00:00 +0000

perouterd (0.1.0) unstable; urgency=medium

  * First.

 -- A B <a@b.invalid>  Tue, 01 Dec 2026 00:00:00 +0000
`;
    expect(rpmChangelog(parseDebianChangelog(deb))).toBe(
      '* Wed Dec 02 2026 A B <a@b.invalid> - 0.1.1-1\n- Second: 100%% better,\n  wrapped.\n\n* Tue Dec 01 2026 A B <a@b.invalid> - 0.1.0-1\n- First.\n',
    );
  });
});

describe("FRR's helper directory", () => {
  it('is discovered per distribution family, or configured', () => {
    const only = (dir: string) => (p: string) => p === `${dir}/frr-reload.py`;
    expect(findFrrLibdir({}, only('/usr/lib/frr'))).toBe('/usr/lib/frr'); // Debian, Ubuntu
    expect(findFrrLibdir({}, only('/usr/libexec/frr'))).toBe('/usr/libexec/frr'); // Fedora, RHEL
    expect(findFrrLibdir({}, () => false)).toBe('/usr/lib/frr'); // none: the error will name Debian's path
    expect(findFrrLibdir({ PEROUTERD_FRR_LIBDIR: '/opt/frr/lib' }, () => false)).toBe('/opt/frr/lib');
  });
});
