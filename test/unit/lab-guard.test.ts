// Lab scenarios refuse to run on the machine itself (they create namespaces and FRR instances).
import { describe, expect, it } from 'vitest';
import { outsideLabReason } from '../lab/harness/inside-lab.js';

const UML_CPUINFO = 'processor\t: 0\nvendor_id\t: User Mode Linux\nmodel name\t: UML\nmode\t\t: skas\n';

describe('outsideLabReason', () => {
  it('accepts only the lab: LAB=1 from its init and a User-Mode Linux kernel', () => {
    expect(outsideLabReason({ LAB: '1' }, UML_CPUINFO)).toBeUndefined();
    expect(outsideLabReason({}, UML_CPUINFO)).toMatch(/runs only inside the lab/);
    expect(outsideLabReason({ LAB: '1' }, 'vendor_id\t: GenuineIntel\n')).toMatch(/runs only inside the lab/);
  });

  it('says how to run the scenario instead', () => {
    expect(outsideLabReason({}, '')).toContain('node build/test/lab/harness/run.js');
  });

  it('this test process is not in the lab', () => {
    expect(outsideLabReason()).toBeDefined();
  });
});
