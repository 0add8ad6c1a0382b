/**
 * A private nginx for interop tests: the configuration snippets of docs/nginx/ rendered with the
 * test's ports and files, run with every path under a temporary prefix (no /var, no /run), stopped
 * after the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

const DOCS = fileURLToPath(new URL('../../docs/nginx/', import.meta.url));
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** docs/nginx/NAME with its @PLACEHOLDERS@ replaced; an unreplaced one is an error. */
export function renderNginxSnippet(name: string, values: Record<string, string>): string {
  let text = readFileSync(join(DOCS, name), 'utf8');
  for (const [key, value] of Object.entries(values)) text = text.replaceAll(`@${key}@`, value);
  // placeholders in comments are documentation; in directives they would break the test
  const directives = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  const left = /@[A-Z_]+@/.exec(directives);
  if (left) throw new Error(`${name}: ${left[0]} not replaced`);
  return text;
}

const RECIPE = fileURLToPath(new URL('../../deploy/nginx/twitcher.conf', import.meta.url));

/** deploy/nginx/twitcher.conf with a test's instances and listening port instead of compose's. */
export function renderDeployRecipe(instances: [number, number], port: number): string {
  const text = readFileSync(RECIPE, 'utf8')
    .replace('server twitcher-1:8000', `server 127.0.0.1:${instances[0]}`)
    .replace('server twitcher-2:8000', `server 127.0.0.1:${instances[1]}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (/twitcher-\d:8000|listen 80;/.test(text))
    throw new Error('deploy/nginx/twitcher.conf changed: update renderDeployRecipe');
  return text;
}

/**
 * What every private nginx needs to run without touching /var or /run: the user line (as root the
 * workers would switch to `nobody`, who cannot read a 0700 temp dir) and, inside `http { }`, the
 * temp paths under `prefix`.
 */
export function nginxUserLine(): string {
  return process.getuid?.() === 0 ? `user ${userInfo().username};` : '';
}

export function nginxTempPaths(prefix: string): string {
  return `client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;`;
}

export interface Nginx {
  prefix: string;
  stop(): Promise<void>;
}

/** Starts nginx with `http` (inside `http { }`) and `top` (top level, e.g. a stream block). */
export async function startNginx(
  t: TestContext,
  parts: { http?: string; top?: string; ports: number[]; workerConnections?: number },
): Promise<Nginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'twitcher-nginx-'));
  mkdirSync(join(prefix, 'tmp'));
  const conf = `${parts.top?.includes('stream {') && existsSync(NGINX_STREAM_MODULE) ? `load_module ${NGINX_STREAM_MODULE};` : ''}
${nginxUserLine()}
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log info;
events { worker_connections ${parts.workerConnections ?? 256}; }
${parts.top ?? ''}
http {
  access_log ${prefix}/access.log;
  ${nginxTempPaths(prefix)}
  ${parts.http ?? ''}
}
`;
  const confFile = join(prefix, 'nginx.conf');
  writeFileSync(confFile, conf);
  const child: ChildProcess = spawn(
    'nginx',
    ['-c', confFile, '-p', prefix, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(prefix, { recursive: true, force: true });
  };
  t.after(stop);
  for (const port of parts.ports) {
    const deadline = Date.now() + 10_000;
    while (!(await listening(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const log = existsSync(join(prefix, 'error.log'))
          ? readFileSync(join(prefix, 'error.log'), 'utf8')
          : '';
        throw new Error(`nginx did not start on ${port}: ${stderr}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { prefix, stop };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
