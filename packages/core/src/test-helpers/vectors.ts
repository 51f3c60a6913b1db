import { readJsonFixture } from '@ssts/test-utils';

export interface KnownAnswerValue {
  scope: 'strict' | 'namespace-wide' | 'cluster-wide';
  label: string;
  ciphertext_base64: string;
}

export interface KnownAnswer2048 {
  namespace: string;
  name: string;
  plaintext_base64: string;
  private_key_pem: string;
  values: KnownAnswerValue[];
}

export function knownAnswer2048(): KnownAnswer2048 {
  return readJsonFixture<KnownAnswer2048>('vectors', 'known-answer-2048.json');
}
