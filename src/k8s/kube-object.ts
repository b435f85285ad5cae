// What a custom resource looks like on the wire (only the parts read here), and the labels and
// annotation perouterd puts on objects.

/** Label every mirrored static object carries (`static`); objects with it are never read back as API config. */
export const SOURCE_LABEL = 'openperouter.github.io/source';
export const SOURCE_STATIC = 'static';
/** Label naming the node a mirrored static object belongs to. */
export const STATIC_NODE_LABEL = 'openperouter.github.io/static-node';
/** Annotation written on this node's Node object. */
export const NODE_INDEX_ANNOTATION = 'openpe.io/nodeindex';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: unknown;
  status?: unknown;
  [k: string]: unknown;
}

/** True for mirrored static objects (upstream lists with "label does not exist"). */
export function isMirrored(o: KubeObject): boolean {
  return o.metadata?.labels?.[SOURCE_LABEL] !== undefined;
}
