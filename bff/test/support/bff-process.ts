import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './fault-helpers';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `pnpm --filter @ai-credits/bff build`: the JavaScript production runs (bff/dist). */
export function buildBff() {
  const build = spawnSync('pnpm', ['--filter', '@ai-credits/bff', 'build'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
  if (build.status !== 0) throw new Error(`pnpm --filter @ai-credits/bff build failed:\n${build.stdout}\n${build.stderr}`);
}

export async function freePort() {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export interface Bff {
  baseUrl: string;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  log: () => string;
  signal(sig: NodeJS.Signals): void;
}

/** `pnpm --filter @ai-credits/bff start` (pnpm -> node dist/server.js) in a process group of its own. */
export async function startBff(databaseUrl: string, env: Record<string, string> = {}): Promise<Bff> {
  const port = await freePort();
  const child = spawn('pnpm', ['--filter', '@ai-credits/bff', 'start'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      WEB_DIST: '',
      LOG_LEVEL: 'warn',
      PASSWORD_HASH_COST: '11',
      // Every test signs up from 127.0.0.1: the per-IP sign-up and per-org invitation limits are raised (bff/test/mail-abuse.test.ts tests them).
      RATE_LIMIT_SIGNUPS_PER_IP: '100000',
      RATE_LIMIT_INVITATIONS_PER_ORG: '100000',
      ...env,
    },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const bff: Bff = {
    baseUrl: `http://127.0.0.1:${port}`,
    child,
    exited,
    log: () => output,
    signal: (sig) => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // the group is gone
      }
    },
  };
  await waitFor(
    'the BFF to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`the BFF exited early (${child.exitCode}):\n${output}`);
      return fetch(`${bff.baseUrl}/api/ready`).then((r) => r.ok, () => false);
    },
    30_000,
  );
  return bff;
}

/** Waits for the process group to end; SIGKILLs it after `boundMs` so a failing test never leaves it behind. */
export async function exitOf(bff: Bff, boundMs = 30_000) {
  const timer = setTimeout(() => bff.signal('SIGKILL'), boundMs);
  try {
    return await bff.exited;
  } finally {
    clearTimeout(timer);
  }
}

