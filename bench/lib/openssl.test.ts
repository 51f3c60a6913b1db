import { describe, expect, it } from 'vitest';
import { OpensslSpeedError, parseOpensslSpeedRsa } from './openssl.js';

// Captured from `openssl speed -mr -seconds 1 rsa4096` (OpenSSL 3.0.19) on the benchmark machine.
const SINGLE = `+DTP:4096:private:rsa:1
+R1:223:4096:0.96
+DTP:4096:public:rsa:1
+R2:15594:4096:1.00
+F2:4:4096:232.291667:15594.000000
`;

// Same with -multi 2: the children's results are echoed as "Got: ..." before the parent's total.
const MULTI = `+R1:116:4096:1.00
+DTP:4096:public:rsa:1
+R2:8865:4096:1.00
+R2:9572:4096:1.00
Forked child 1
Got: +F2:4:4096:119.801980:8865.000000 from 0
Got: +F2:4:4096:116.000000:9572.000000 from 1
+F2:4:4096:235.801980:18437.000000
`;

describe('parseOpensslSpeedRsa', () => {
  it('reads sign/s and verify/s of a single-process run', () => {
    expect(parseOpensslSpeedRsa(SINGLE, 4096)).toEqual({
      bits: 4096,
      privateOpsPerSec: 232.291667,
      publicOpsPerSec: 15594,
      processes: 1,
    });
  });

  it('takes the total of a -multi run, not a child line', () => {
    const speed = parseOpensslSpeedRsa(MULTI, 4096, 2);
    expect(speed.privateOpsPerSec).toBeCloseTo(235.80198, 5);
    expect(speed.publicOpsPerSec).toBe(18437);
    expect(speed.processes).toBe(2);
  });

  it('reads the encrypt/decrypt columns of OpenSSL >= 3.2 when present', () => {
    const speed = parseOpensslSpeedRsa('+F2:4:4096:200.5:15000.0:14000.0:210.25\r\n', 4096);
    expect(speed).toMatchObject({
      privateOpsPerSec: 200.5,
      publicOpsPerSec: 15000,
      encryptOpsPerSec: 14000,
      decryptOpsPerSec: 210.25,
    });
  });

  it('ignores other key sizes and fails clearly without a matching line', () => {
    const output = '+F2:3:2048:1500.0:50000.0\n';
    expect(() => parseOpensslSpeedRsa(output, 4096)).toThrow(OpensslSpeedError);
    expect(() => parseOpensslSpeedRsa('Doing 4096 bits private rsa ops for 10s\n', 4096)).toThrow(
      /openssl speed -mr/,
    );
  });
});
