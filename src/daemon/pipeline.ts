// sources → parse + validate → desired state. Pure apart from reading the files:
// everything the daemon, `render` and `validate` show comes from this one function,
// so the CLI can never disagree with what the daemon would apply.
import os from 'node:os';
import { loadNodeConfig, loadStaticConfig } from '../config/load.js';
import { validateMerged } from '../config/validate/index.js';
import { type ConfigProblem, emptyRouterConfig, type FailedResource, type NodeSettings, type RouterConfig } from '../config/model.js';
import { planRouter, type RouterPlan } from '../plan/router-plan.js';
import { planKernel, type KernelPlan } from '../plan/kernel-plan.js';
import { renderFrrConfig } from '../frr/render.js';

export interface ConfigSources {
  configDir: string;
  nodeConfigPath: string;
  /** Overrides node-config's index (render for another node). */
  nodeIndexOverride?: number;
  namespace?: string;
}

export interface DesiredState {
  node: NodeSettings;
  config: RouterConfig;
  /** The static files alone (what is mirrored to CRs). */
  staticConfig: RouterConfig;
  plan: RouterPlan;
  frrConfig: string;
  kernel: KernelPlan;
  failed: FailedResource[];
  problems: ConfigProblem[];
}

export type PipelineResult =
  | { ok: true; desired: DesiredState }
  /** Nothing may be applied: a file is invalid, or the underlay failed validation. */
  | { ok: false; problems: ConfigProblem[]; failed: FailedResource[]; reason: string; node?: NodeSettings; staticConfig?: RouterConfig };

/** Addresses of a host interface, used to derive the node index from `interfaceName`. */
export function hostInterfaceAddresses(name: string): Array<{ address: string; prefixLen: number }> {
  const ifs = os.networkInterfaces()[name] ?? [];
  return ifs.map((i) => ({
    address: i.address.split('%')[0] ?? i.address,
    prefixLen: Number(i.cidr?.split('/')[1] ?? (i.family === 'IPv6' ? 128 : 32)),
  }));
}

export function buildDesiredState(src: ConfigSources, extra?: { apiConfig?: RouterConfig }): PipelineResult {
  const nodeRes = loadNodeConfig(src.nodeConfigPath, { hostname: () => os.hostname(), interfaceAddresses: hostInterfaceAddresses });
  const problems: ConfigProblem[] = [...nodeRes.problems];
  if (!nodeRes.settings || problems.some((p) => p.severity === 'error')) {
    return { ok: false, problems, failed: [], reason: 'node configuration is invalid' };
  }
  const node: NodeSettings = { ...nodeRes.settings };
  if (src.nodeIndexOverride !== undefined) node.nodeIndex = src.nodeIndexOverride;

  const stat = loadStaticConfig(src.configDir, node, src.namespace);
  problems.push(...stat.problems);
  if (stat.problems.some((p) => p.severity === 'error')) {
    return { ok: false, problems, failed: [], reason: 'static configuration is invalid', node };
  }
  // API objects go on top of the static base: validation takes static objects first, so on
  // a conflict the static side wins and the API object is reported (src/config/validate/).
  const v = validateMerged(stat.config, extra?.apiConfig ?? emptyRouterConfig(), { nodeIndex: node.nodeIndex });
  if (v.fatal) {
    return { ok: false, problems, failed: [...v.failed, ...v.fatal.failed], reason: v.fatal.message, node, staticConfig: stat.config };
  }
  let plan: RouterPlan;
  try {
    plan = planRouter(v.valid, node);
  } catch (e) {
    return {
      ok: false,
      problems,
      failed: v.failed,
      reason: e instanceof Error ? e.message : String(e),
      node,
      staticConfig: stat.config,
    };
  }
  return {
    ok: true,
    desired: {
      node,
      config: v.valid,
      staticConfig: stat.config,
      plan,
      frrConfig: renderFrrConfig(plan),
      kernel: planKernel(plan),
      failed: v.failed,
      problems,
    },
  };
}
