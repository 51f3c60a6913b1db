// kubeseal's output format (compat §2.3), also bundled into the browser page (packages/web) so that both write
// byte-identical SealedSecrets. Keep this folder free of Node built-ins.
export { orderSealedSecret, orderMeta, orderSecret, type Ordered } from './go-order.js';
export { renderDocument, renderJson, renderYaml, resolveFormat, type OutputFormat } from './render.js';
