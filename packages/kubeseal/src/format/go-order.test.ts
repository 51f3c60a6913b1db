import { describe, expect, it } from 'vitest';
import { orderSealedSecret } from './go-order.js';
import { renderJson, renderYaml } from './render.js';

describe('orderSealedSecret', () => {
  it('keeps an item named __proto__ (a valid Secret key) instead of silently dropping it', async () => {
    const encryptedData = Object.fromEntries([
      ['__proto__', 'AgA='],
      ['k', 'AgB='],
    ]);
    const ordered = orderSealedSecret({
      kind: 'SealedSecret',
      apiVersion: 'bitnami.com/v1alpha1',
      metadata: { name: 'n', namespace: 'ns' },
      spec: { encryptedData },
    });
    const json = JSON.parse(renderJson(ordered)) as { spec: { encryptedData: object } };
    expect(Object.keys(json.spec.encryptedData)).toEqual(['__proto__', 'k']);
    expect(await renderYaml(ordered)).toContain('\n    __proto__: AgA=\n');
  });
});
