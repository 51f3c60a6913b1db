export { runController, type ProcessIo } from './main.js';
export { parseControllerConfig, type ControllerConfig, type ParsedCommandLine } from './config.js';
export { ControllerError, type ControllerErrorCode } from './errors.js';
export { buildServer, buildMetricsServer, type ServerDeps } from './http/server.js';
export { EventRecorder, type EventRecorderOptions, type EventSink } from './kube/event-recorder.js';
export { KubeError, type KubeErrorCode } from '@ssts/kube';
export type { KubeGateway } from './kube/kube-gateway.js';
export { planSecretUpdate, type SecretPlan } from './reconcile/decide.js';
export { reconcile, type Outcome, type ReconcileDeps } from './reconcile/reconcile.js';
