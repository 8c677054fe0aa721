#!/usr/bin/env node
// Runs the TypeScript entry through tsx so the CLI works straight from the workspace.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
