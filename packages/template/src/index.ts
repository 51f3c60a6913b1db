// @ssts/template: Go text/template + sprig v3 (minus env, expandenv, getHostByName) for spec.template.data.
export {
  renderTemplate,
  TemplateRenderer,
  type RenderDeadline,
  type RendererOptions,
} from './engine/render.js';
export { TemplateError, type TemplateErrorCode } from './engine/errors.js';
export { LIMITS, timeBudgetMessage } from './engine/limits.js';
