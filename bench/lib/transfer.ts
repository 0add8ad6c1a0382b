/** Big streamed transfers with curl: its C client is not the bottleneck, unlike a Node one might be. */
import type { Supervisor } from './processes.js';

export interface TransferResult {
  status: number;
  bytes: number;
  seconds: number;
  /** 10^6 bytes per second. */
  mbPerSec: number;
}

// Appended after the body so one stdout carries both (the sink's answer is the byte count it read).
const WRITE_OUT = '\n%{http_code} %{size_download} %{size_upload} %{time_total}';

function parse(stdout: string, upload: boolean): { body: string; result: TransferResult } {
  const nl = stdout.lastIndexOf('\n');
  const [status, down, up, total] = stdout
    .slice(nl + 1)
    .trim()
    .split(' ')
    .map(Number) as [number, number, number, number];
  const bytes = upload ? up : down;
  return {
    body: stdout.slice(0, nl),
    result: { status, bytes, seconds: total, mbPerSec: bytes / total / 1e6 },
  };
}

/** GET `url`, discarding the body; fails unless it is a 200 of exactly `expectedBytes`. */
export async function download(
  sup: Supervisor,
  url: string,
  expectedBytes: number,
  timeoutSec: number,
): Promise<TransferResult> {
  const args = ['-sS', '--max-time', String(timeoutSec), '-o', '/dev/null', '-w', WRITE_OUT, url];
  const res = await sup.run('curl', 'curl', args, (timeoutSec + 5) * 1000);
  if (res.code !== 0) throw new Error(`curl GET ${url} failed (${res.code}): ${res.stderr}`);
  const { result } = parse(res.stdout, false);
  if (result.status !== 200 || result.bytes !== expectedBytes) {
    throw new Error(`GET ${url}: status ${result.status}, ${result.bytes} of ${expectedBytes} bytes`);
  }
  return result;
}

/**
 * POST the file streamed from disk (`-T`, not `--data-binary @file`, which loads it all in memory),
 * without `Expect: 100-continue` (a round trip that is not what is measured). Fails unless the sink
 * answers that it read `expectedBytes`.
 */
export async function upload(
  sup: Supervisor,
  url: string,
  file: string,
  expectedBytes: number,
  timeoutSec: number,
): Promise<TransferResult> {
  const args = [
    '-sS',
    '--max-time',
    String(timeoutSec),
    '-X',
    'POST',
    '-T',
    file,
    '-H',
    'content-type: application/octet-stream',
    '-H',
    'Expect:',
    '-w',
    WRITE_OUT,
    url,
  ];
  const res = await sup.run('curl', 'curl', args, (timeoutSec + 5) * 1000);
  if (res.code !== 0) throw new Error(`curl POST ${url} failed (${res.code}): ${res.stderr}`);
  const { body, result } = parse(res.stdout, true);
  if (result.status !== 200 || result.bytes !== expectedBytes || body.trim() !== String(expectedBytes)) {
    throw new Error(
      `POST ${url}: status ${result.status}, sent ${result.bytes} of ${expectedBytes} bytes, sink read ${body.trim()}`,
    );
  }
  return result;
}
