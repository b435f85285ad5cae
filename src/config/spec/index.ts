// Per-kind spec checks shared by the static files and the custom resources.
export { checkStaticFile, specErrors, specIssues, type SpecKind } from './checks.js';
export type { RuleIssue } from './issue.js';
export { NOT_SUPPORTED, unsupportedFeatureIssues, unsupportedIssues } from './unsupported.js';
export { cidrError, cidrListError, interfaceNameError, isValidObjectName, routeTargetError } from './values.js';
export { upgradeLegacyFile, upgradeLegacyUnderlay } from './legacy.js';
