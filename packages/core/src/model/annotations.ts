export const ANNOTATION_CLUSTER_WIDE = 'sealedsecrets.bitnami.com/cluster-wide';
export const ANNOTATION_NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';
export const ANNOTATION_MANAGED = 'sealedsecrets.bitnami.com/managed';
export const ANNOTATION_PATCH = 'sealedsecrets.bitnami.com/patch';
export const ANNOTATION_SKIP_SET_OWNER_REFERENCES = 'sealedsecrets.bitnami.com/skip-set-owner-references';
export const LABEL_SEALED_SECRETS_KEY = 'sealedsecrets.bitnami.com/sealed-secrets-key';
export const LAST_APPLIED_ANNOTATIONS = [
  'kubectl.kubernetes.io/last-applied-configuration',
  'kubecfg.ksonnet.io/last-applied-configuration',
] as const;
