#!/usr/bin/env node
// `npm run bench`: runs the TypeScript benchmark runner (bench/index.ts) through tsx's loader,
// like bin/frugal.js does for the CLI. Arguments pass through: `npm run bench -- unet-memory --quick`.
import { register } from 'tsx/esm/api';

register();
await import('../bench/index.ts');
