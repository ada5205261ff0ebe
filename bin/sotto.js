#!/usr/bin/env node
// `sotto` (npx sotto …): runs the TypeScript CLI through tsx, a runtime dependency of this package.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
process.env.SOTTO_CLI_MAIN = '1';
await import('../src/node/cli/main.ts');
