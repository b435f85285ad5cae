#!/usr/bin/env node
// perouterd command line. Exit status: 0 success, 1 invalid configuration or a failed
// action, 2 usage error (unknown command or option, bad option value), 3 another daemon
// holds the router namespace. Each netlink socket may hold two libuv pool threads (a send
// and a receive), so the pool is widened before anything uses it; fs and dns must never
// starve behind it.
process.env.UV_THREADPOOL_SIZE ??= '16';

import { CommanderError } from 'commander';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  if (!(e instanceof CommanderError)) throw e;
  // --help and --version end here too, with exitCode 0; every other CommanderError is a usage error.
  process.exitCode = e.exitCode === 0 ? 0 : 2;
}
