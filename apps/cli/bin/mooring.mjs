#!/usr/bin/env node
// The workspace's `mooring` bin: runs the TypeScript sources through tsx (the CLI has no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
