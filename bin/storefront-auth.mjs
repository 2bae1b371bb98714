#!/usr/bin/env node
// The admin CLI's launcher: the compiled CLI when there is a build (dist/), else the TypeScript
// source through tsx. Exit codes and output are the CLI's own (src/cli/main.ts).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist', 'src', 'cli', 'main.js');
const args = existsSync(compiled) ? [compiled] : ['--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
const r = spawnSync(process.execPath, [...args, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
