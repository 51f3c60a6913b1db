import type { StaticUser } from './pki.js';

/**
 * Static-token users every e2e control plane gets, for RBAC tests: the controller's ServiceAccount identity
 * (RBAC matches ServiceAccount subjects by this user name) and a plain authenticated user.
 */
export const E2E_USERS: readonly StaticUser[] = [
  {
    user: 'system:serviceaccount:kube-system:sealed-secrets-controller',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
  },
  { user: 'e2e-user' },
];
