// Pure encode/decode of rtnetlink messages (no I/O), in two parts.
export * from './codec-core.js';
export * from './codec-rt.js';
export * from './codec-link.js';
export * from './codec-neigh.js';
export * from './codec-lookup.js';
