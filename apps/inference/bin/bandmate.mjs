#!/usr/bin/env node
// `npx bandmate …`: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
