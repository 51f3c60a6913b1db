import { describe, expect, it } from 'vitest';
import { sideBySideCases } from './versus-go.js';

describe('sideBySideCases', () => {
  it('defaults to the issue 12 cases (100 objects with the limit off in quick mode); --go-runs replaces them', () => {
    expect(sideBySideCases(false)).toEqual([
      { clientLimit: 'off', objects: 500 },
      { clientLimit: 'off', objects: 5_000 },
      { clientLimit: 'default', objects: 100 },
    ]);
    expect(sideBySideCases(true)).toEqual([{ clientLimit: 'off', objects: 100 }]);
    expect(sideBySideCases(false, 'default:100, off:20')).toEqual([
      { clientLimit: 'default', objects: 100 },
      { clientLimit: 'off', objects: 20 },
    ]);
    expect(() => sideBySideCases(false, 'fast:10')).toThrow('--go-runs: "fast:10"');
    expect(() => sideBySideCases(false, 'off:0')).toThrow();
  });
});
