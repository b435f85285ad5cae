// Additions that exist only in the API (not in the static files): list-type annotations
// (LIST_TYPES), the immutability transition rules upstream has (API_ONLY_RULES) and the
// RouterNodeConfigurationStatus schema (STATUS_KIND_DEFS).

import type { CelRule } from './cel.js';
import type { Schema } from './schema.js';

/** `x-kubernetes-list-type` for arrays, by `$defs` name and property (upstream's list-maps). */
export const LIST_TYPES: Record<string, Record<string, { type: 'map' | 'atomic'; keys?: string[] }>> = {
  Neighbor: {
    properties: { type: 'map', keys: ['type'] },
    addressFamilies: { type: 'map', keys: ['type'] },
  },
  NeighborAddressFamily: { properties: { type: 'map', keys: ['type'] } },
  ISIS: { interfaces: { type: 'map', keys: ['name'] } },
  Underlay: { neighbors: { type: 'atomic' } },
  RouterNodeConfigurationStatusStatus: {
    failedResources: { type: 'atomic' },
    conditions: { type: 'map', keys: ['type'] },
  },
};

/**
 * Transition rules upstream declares and the static files cannot express (there is no "old"
 * file): fields that may not change once set. By `$defs` name and property.
 */
export const API_ONLY_RULES: Record<string, Record<string, CelRule[]>> = {
  HostSession: { localCIDR: [{ rule: 'self == oldSelf', message: "LocalCIDR can't be changed" }] },
  L2VNI: { gatewayIPs: [{ rule: 'self == oldSelf', message: "GatewayIPs can't be changed" }] },
};

const CONDITION_SCHEMA: Schema = {
  description: 'metav1.Condition',
  type: 'object',
  required: ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
  properties: {
    lastTransitionTime: { type: 'string', format: 'date-time' },
    message: { type: 'string', maxLength: 32768 },
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    reason: {
      type: 'string',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    },
    status: { enum: ['True', 'False', 'Unknown'] },
    type: {
      type: 'string',
      maxLength: 316,
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    },
  },
};

/**
 * Status of RouterNodeConfigurationStatus (status-only kind). Upstream's failedResources kind
 * enum lacks L3VPN although its code emits it; ours includes it (and RawFRRConfig).
 */
export const STATUS_KIND_DEFS: Record<string, Schema> = {
  RouterNodeConfigurationStatusStatus: {
    description: 'Per-node result of applying the router configuration.',
    type: 'object',
    properties: {
      observedGeneration: { type: 'integer', minimum: 0 },
      failedResources: { type: 'array', items: { $ref: '#/$defs/FailedResource' } },
      conditions: { type: 'array', items: { $ref: '#/$defs/Condition' } },
    },
  },
  FailedResource: {
    type: 'object',
    // As upstream's CRD (api/v1alpha1/failedresource.go), so either CRD accepts the other's status.
    required: ['kind', 'message', 'name', 'reason'],
    properties: {
      kind: { enum: ['Underlay', 'L2VNI', 'L3VNI', 'FrrConfiguration', 'L3Passthrough'] },
      name: { type: 'string', minLength: 1, maxLength: 253 },
      reason: {
        type: 'string',
        minLength: 1,
        maxLength: 100,
        enum: ['ValidationFailed', 'DependencyFailed', 'OverlayAttachmentFailed', 'FrrConfigurationFailed'],
      },
      message: { type: 'string', minLength: 1, maxLength: 500 },
    },
  },
  Condition: CONDITION_SCHEMA,
};
