// CustomResourceDefinitions (apiextensions.k8s.io/v1) and the daemon's RBAC, generated
// from the JSON Schemas in <package>/schemas — the single source of truth for the spec of every
// kind. Pure: no I/O except reading the schema file. `gen-crds.ts` writes the result to deploy/.
//
// The parts, by job:
//   schema.ts      reading the schema, inlining `$ref`s;
//   structural.ts  JSON Schema → the structural OpenAPI v3 subset Kubernetes accepts;
//   cel.ts         either/or constructs → x-kubernetes-validations CEL rules;
//   api-only.ts    what only the API has (list types, transition rules, the status kind's schema);
//   this file      the CRDs and RBAC assembled from those, and their YAML.
// Not checked against a real kube-apiserver (none can run here): CEL cost estimation. The rule on
// Underlay.spec.interfaces iterates a list without maxItems; should a real server reject the CRD
// as too costly, give `interfaces` a maxItems in the schema.

import { stringify } from 'yaml';
import { ALL_KINDS, API_VERSION, GROUP, VERSION, type KindInfo } from '../../src/k8s/kinds.js';
import { STATUS_KIND_DEFS } from './api-only.js';
import { defsOf, openpeSchemaRoot, type Schema } from './schema.js';
import { ordered, toStructural } from './structural.js';

export { GROUP, VERSION, API_VERSION };
export { celField, celPredicate, type CelRule } from './cel.js';
export { openpeSchemaRoot, packageRoot, type Ctx, type Schema } from './schema.js';
export { toStructural } from './structural.js';

export type CrdKind = KindInfo;

/** All seven kinds, from the one kinds table the daemon uses too. */
export const CRD_KINDS: readonly CrdKind[] = ALL_KINDS;

// ------------------------------------------------------------------ CRDs

export interface GenerateOptions {
  /** Schema root to read `$defs` from (default: schemas/openpe-config.schema.json). */
  root?: Schema;
}

function specSchemaOf(kind: CrdKind, root: Schema): Schema {
  if (kind.specDef === undefined) throw new Error(`${kind.kind} has no spec`);
  const spec = toStructural({ $ref: `#/$defs/${kind.specDef}` }, { root, where: 'spec' });
  return ordered({ ...spec, description: `${kind.kind} spec (schemas/openpe-config.schema.json#/$defs/${kind.specDef}).` });
}

/** The openAPIV3Schema of one kind's version. */
export function openApiSchemaFor(kind: CrdKind, opts: GenerateOptions = {}): Schema {
  const root = opts.root ?? openpeSchemaRoot();
  const properties: Schema = {
    apiVersion: {
      description: 'APIVersion defines the versioned schema of this representation of an object.',
      type: 'string',
    },
    kind: { description: 'Kind is a string value representing the REST resource this object represents.', type: 'string' },
    metadata: { type: 'object' },
  };
  if (kind.specDef !== undefined) {
    properties.spec = specSchemaOf(kind, root);
    properties.status = { description: `${kind.kind} status (empty, as upstream's).`, type: 'object' };
  } else {
    const statusRoot: Schema = { $defs: { ...defsOf(root), ...STATUS_KIND_DEFS } };
    properties.status = toStructural({ $ref: '#/$defs/RouterNodeConfigurationStatusStatus' }, { root: statusRoot, where: 'status' });
  }
  return {
    description: `${kind.kind} is the Schema for the ${kind.plural} API.`,
    type: 'object',
    properties,
    // As upstream's CRDs: an object of a spec kind without a spec is refused at admission.
    ...(kind.specDef !== undefined ? { required: ['spec'] } : {}),
  };
}

function printerColumns(kind: CrdKind): Schema[] | undefined {
  if (kind.specDef !== undefined) return undefined;
  return [
    { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: 'Degraded', type: 'string', jsonPath: '.status.conditions[?(@.type=="Degraded")].status' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ];
}

/** The CustomResourceDefinition of one kind. */
export function generateCrd(kind: CrdKind, opts: GenerateOptions = {}): Schema {
  const version: Schema = {
    name: VERSION,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: openApiSchemaFor(kind, opts) },
    subresources: { status: {} },
  };
  const columns = printerColumns(kind);
  if (columns) version.additionalPrinterColumns = columns;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${kind.plural}.${GROUP}`,
      annotations: { 'perouterd.io/generated-from': 'schemas/openpe-config.schema.json' },
    },
    spec: {
      group: GROUP,
      names: { kind: kind.kind, listKind: kind.listKind, plural: kind.plural, singular: kind.singular },
      scope: 'Namespaced',
      versions: [version],
    },
  };
}

/** Every CRD, in CRD_KINDS order. */
export function generateCrds(opts: GenerateOptions = {}): Schema[] {
  return CRD_KINDS.map((k) => generateCrd(k, opts));
}

// ------------------------------------------------------------------ RBAC

export const CLUSTER_ROLE_NAME = 'perouterd';
/** The daemon's namespace in the generated Role and bindings (its --namespace default). */
export const DAEMON_NAMESPACE = 'openperouter-system';
/** The identity bound to both roles: the service account whose token the kubeconfig carries. */
export const DAEMON_SUBJECT = { kind: 'ServiceAccount', name: 'perouterd', namespace: DAEMON_NAMESPACE };

const READ = ['get', 'list', 'watch'];

/**
 * Least privilege for the daemon, as a `v1 List`:
 *  - ClusterRole: read what it watches cluster-wide (the configuration kinds, this Node) and
 *    patch Nodes (the node-index annotation: Nodes are cluster-scoped, so no Role can grant it);
 *  - Role in the daemon's namespace: write its mirrors (create/update/delete) and its status
 *    object, and read RawFRRConfigs, which upstream takes from that namespace only;
 *  - a binding of each to DAEMON_SUBJECT.
 * Nothing else: no write outside the daemon's namespace, no delete of anything cluster-wide.
 */
export function generateRbac(namespace = DAEMON_NAMESPACE): Schema {
  const watched = CRD_KINDS.filter((k) => k.clusterWide && k.specDef !== undefined).map((k) => k.plural);
  const mirrored = CRD_KINDS.filter((k) => k.configKey !== undefined).map((k) => k.plural);
  const status = CRD_KINDS.filter((k) => k.specDef === undefined).map((k) => k.plural);
  const labels = { 'app.kubernetes.io/name': 'perouterd' };
  const subject = { ...DAEMON_SUBJECT, namespace };
  const clusterRole = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: CLUSTER_ROLE_NAME, labels },
    rules: [
      { apiGroups: [GROUP], resources: watched, verbs: READ },
      { apiGroups: [''], resources: ['nodes'], verbs: [...READ, 'patch'] },
    ],
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: CLUSTER_ROLE_NAME, namespace, labels },
    rules: [
      { apiGroups: [GROUP], resources: mirrored, verbs: [...READ, 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [GROUP], resources: status, verbs: [...READ, 'create', 'patch'] },
      { apiGroups: [GROUP], resources: status.map((p) => `${p}/status`), verbs: ['get', 'update', 'patch'] },
    ],
  };
  const roleRef = (kind: string): Schema => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name: CLUSTER_ROLE_NAME });
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      clusterRole,
      role,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: CLUSTER_ROLE_NAME, labels },
        roleRef: roleRef('ClusterRole'),
        subjects: [subject],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: CLUSTER_ROLE_NAME, namespace, labels },
        roleRef: roleRef('Role'),
        subjects: [subject],
      },
    ],
  };
}

// ------------------------------------------------------------------ manifests

export interface Manifest {
  /** Path relative to the package root. */
  path: string;
  content: string;
}

const HEADER = '# Generated by tools/crds/gen-crds.ts from schemas/openpe-config.schema.json. Do not edit.\n';

function toYaml(obj: unknown): string {
  return HEADER + stringify(obj, { lineWidth: 0 });
}

/** The files under deploy/: one CRD per file (upstream's naming) plus rbac.yaml. */
export function renderManifests(opts: GenerateOptions = {}): Manifest[] {
  const crds = CRD_KINDS.map((k) => ({
    path: `deploy/crds/${GROUP}_${k.plural}.yaml`,
    content: toYaml(generateCrd(k, opts)),
  }));
  return [...crds, { path: 'deploy/rbac.yaml', content: toYaml(generateRbac()) }];
}
