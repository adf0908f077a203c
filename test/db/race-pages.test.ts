import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderTimeline, type TimelineEvent } from '../../src/race/timeline.js';
import { raceTimelineHtml } from '../../src/report/race-timeline-html.js';
import { runCli } from '../support/cli.js';
import { projectServer } from '../support/database.js';

/**
 * --report DIR through the real CLI: the planted race (the pre-seed delete, delete:v1) gets a page
 * and the run an index; the known lock-order deadlock of delete vs complete gets a page whose waits
 * name the lock, the same on every replay. Then the page is rendered in real headless Chromium
 * (Debian's `chromium`): the lanes' text must be in the rendered DOM and the screenshot not blank.
 *
 * The README's picture is this page. To regenerate it: scripts/race-timeline-image.sh
 */

const url = projectServer().target.connectionString;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'chatcheck-race-pages-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Where Debian's chromium is, if it is installed (CI: apt-get install -y chromium). */
const chromium = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
})();

if (chromium === undefined) console.warn('race-pages.test.ts: skipping the headless Chromium test: no chromium on PATH (install it: apt-get install -y chromium)');

interface RaceFindingJson {
  readonly kind: string;
  readonly timeline: readonly TimelineEvent[];
  readonly verdict: { readonly invariant?: { readonly name: string } };
}

interface KnownFindingJson {
  readonly id: string;
  readonly reproduced: { readonly pair: readonly string[]; readonly schedule: string; readonly timeline: readonly TimelineEvent[] };
}

/** A page must stand alone: nothing fetched, nothing run. */
function expectSelfContained(html: string): void {
  expect(html).toMatch(/^<!DOCTYPE html>/);
  expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(/i);
  expect(html).not.toMatch(/https?:\/\//);
}

describe('--report DIR on the planted race', () => {
  let reportDir: string;
  let finding: RaceFindingJson;
  let page: string;

  beforeAll(async () => {
    reportDir = path.join(scratch, 'planted');
    const json = path.join(scratch, 'planted.json');
    const result = await runCli(['race', '--pair', 'send,delete', '--variant', 'delete:v1', '--report', reportDir, '--json', json], { databaseUrl: url });
    expect(result.code, result.stderr + result.stdout).toBe(1);
    const report = JSON.parse(await readFile(json, 'utf8')) as { findings: RaceFindingJson[] };
    finding = report.findings[0]!;
    const pages = (await readdir(reportDir)).sort();
    expect(pages).toEqual(['index.html', 'race-1-send-delete-delete-v1-invariant.html']);
    page = path.join(reportDir, 'race-1-send-delete-delete-v1-invariant.html');
    for (const file of pages) expect(result.stdout).toContain(`race page: ${path.join(reportDir, file)}`);
  }, 120_000);

  it('writes a self-contained page with every statement of the timeline, the calls and the verdict, and an index that links to it', async () => {
    expect(finding.kind).toBe('invariant');
    const html = await readFile(page, 'utf8');
    expectSelfContained(html);
    for (const event of finding.timeline) if (event.event !== 'answered') expect(html).toContain(event.step);
    expect(html).toContain('SendChatMessage(session_id=chat_session:1');
    expect(html).toContain('delete:v1(session_id=chat_session:1');
    expect(html).toContain('no live chat task outlives its session');
    expect(html).toContain('a new agent_task_queue row, status queued');
    expect(html).toContain('npx chatcheck race --pair send,delete --variant delete:v1 --schedule');

    const index = await readFile(path.join(reportDir, 'index.html'), 'utf8');
    expectSelfContained(index);
    expect(index).toContain('href="race-1-send-delete-delete-v1-invariant.html"');
    expect(index).toMatch(/<th>seed<\/th><td>-?\d+<\/td>/);
    expect(index).toMatch(/<td><code>send,delete<\/code> <span class="mono">\(delete:v1\)<\/span><\/td><td>\d+<\/td>/);
  });

  it.skipIf(chromium === undefined)('renders in headless Chromium: the lanes and the verdict are in the DOM, and the screenshot is not blank (needs: apt-get install -y chromium)', async () => {
    const dom = await runChromium(['--dump-dom', pathToUrl(page)]);
    expect(dom).toMatch(/<span class="letter">A<\/span><span class="workflow">send<\/span>/);
    expect(dom).toMatch(/<span class="letter">B<\/span><span class="workflow">delete<\/span>/);
    for (const step of ['GetChatSessionInWorkspace', 'CreateChatMessage', 'CreateChatTask', 'CancelAgentTasksByChatSession', 'DeleteChatSession', 'COMMIT']) expect(dom).toContain(step);
    expect(dom).toContain('answered</span>201');
    expect(dom).toContain('answered</span>204');
    expect(dom).toContain('no live chat task outlives its session');

    const shot = path.join(scratch, 'planted.png');
    await runChromium([`--screenshot=${shot}`, '--window-size=1200,900', pathToUrl(page)]);
    const image = decodePng(await readFile(shot));
    expect([image.width, image.height]).toEqual([1200, 900]);
    const colours = new Map<number, number>();
    for (let i = 0; i < image.pixels.length; i += 4) {
      const rgb = (image.pixels[i]! << 16) | (image.pixels[i + 1]! << 8) | image.pixels[i + 2]!;
      colours.set(rgb, (colours.get(rgb) ?? 0) + 1);
    }
    const total = image.width * image.height;
    const white = colours.get(0xffffff) ?? 0;
    expect(colours.size).toBeGreaterThan(50);
    expect(white / total).toBeLessThan(0.97);
    expect(white / total).toBeGreaterThan(0.3);
    // Lane A's letter (#2563eb) and the commit points (#15803d): the page's CSS was applied.
    expect(colours.get(0x2563eb) ?? 0).toBeGreaterThan(100);
    expect(colours.get(0x15803d) ?? 0).toBeGreaterThan(100);
  }, 120_000);
});

describe('--report DIR on a known finding: the lock-order deadlock of delete vs complete', () => {
  it('draws the reproduction, each wait naming its lock, the same lock on every replay', async () => {
    const runs: KnownFindingJson[] = [];
    for (const run of [1, 2]) {
      const reportDir = path.join(scratch, `known-${run}`);
      const json = path.join(scratch, `known-${run}.json`);
      const result = await runCli(['race', '--pair', 'delete,complete', '--schedule', 'AABBB', '--report', reportDir, '--json', json], { databaseUrl: url });
      expect(result.code, result.stderr + result.stdout).toBe(0);
      const report = JSON.parse(await readFile(json, 'utf8')) as { knownFindings: KnownFindingJson[] };
      expect(report.knownFindings.map((known) => known.id)).toEqual(['delete-complete-lock-order']);
      runs.push(report.knownFindings[0]!);
      expect((await readdir(reportDir)).sort()).toEqual(['index.html', 'known-delete-complete-lock-order.html']);
    }
    const [first, second] = runs as [KnownFindingJson, KnownFindingJson];
    expect(second.reproduced).toEqual(first.reproduced);
    const waits = first.reproduced.timeline.filter((event) => event.event === 'waits');
    expect(waits).toEqual([
      { session: 0, event: 'waits', step: 'CancelAgentTasksByChatSession', for: [1], lock: { locktype: 'transactionid', mode: 'ShareLock', relation: 'agent_task_queue' } },
      { session: 1, event: 'waits', step: 'UpdateChatSessionSession', for: [0], lock: { locktype: 'transactionid', mode: 'ShareLock', relation: 'chat_session' } },
    ]);
    const text = renderTimeline(first.reproduced.timeline, 2).join('\n');
    expect(text).toMatch(/CancelAgentTasksByChatSession waits for B\s+\|\n\s+ShareLock on transaction \(row of agent_task_queue\)/);

    const html = await readFile(path.join(scratch, 'known-1', 'known-delete-complete-lock-order.html'), 'utf8');
    expectSelfContained(html);
    expect(html).toContain('lock: ShareLock on transaction (row of chat_session)');
    expect(html).toContain('ERROR 40P01');
    expect(html).toContain('class="lane lane-0 waiting"');
    const index = await readFile(path.join(scratch, 'known-1', 'index.html'), 'utf8');
    expect(index).toContain('href="known-delete-complete-lock-order.html"');
  }, 120_000);
});

describe('a race page escapes what it shows', () => {
  it('markup in a call, a step or a message is text, not markup', () => {
    const html = raceTimelineHtml({
      kind: 'unexpected-error',
      pair: ['send', 'delete'],
      variants: [],
      calls: ['SendChatMessage(content="<script>alert(1)</script>")', 'delete(x=\'&amp;\')'],
      schedule: 'AB',
      timeline: [
        { session: 0, event: 'failed', step: 'Step<b>', sqlstate: '23503', message: 'violates "fk" <i>', afterWait: false },
        { session: 1, event: 'answered', answer: '500 <oops>' },
      ],
      replay: 'npx chatcheck race --pair send,delete --schedule "<AB>"',
      verdict: { sqlstate: '23503', session: 0, expected: [] },
    });
    expect(html).not.toMatch(/<script|<b>|<i>|<oops>|<AB>/);
    expect(html).toContain('SendChatMessage(content=&#34;&#60;script&#62;alert(1)&#60;/script&#62;&#34;)');
    expect(html).toContain('delete(x=&#39;&#38;amp;&#39;)');
    expect(html).toContain('A got SQLSTATE 23503, which no serial order gives it');
  });
});

function pathToUrl(file: string): string {
  return `file://${file}`;
}

/**
 * Runs Debian's chromium headless, as CI can: no sandbox (CI runs as root), no GPU, nothing from
 * the network, a profile of its own (two vitest projects may run it at once).
 */
async function runChromium(args: readonly string[]): Promise<string> {
  const profile = await mkdtemp(path.join(scratch, 'chromium-'));
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`];
  return new Promise((resolve, reject) => {
    execFile(chromium!, [...flags, ...args], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`chromium failed: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** An 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) as RGBA pixels. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const chunk = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = chunk.readUInt32BE(0);
      height = chunk.readUInt32BE(4);
      const [depth, colourType, , , interlace] = chunk.subarray(8);
      expect({ depth, interlace }).toEqual({ depth: 8, interlace: 0 });
      channels = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
      expect(channels, `PNG colour type ${colourType}`).toBeGreaterThan(0);
    } else if (type === 'IDAT') {
      data.push(chunk);
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const rows = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? rows[y * stride + x - channels]! : 0;
      const b = y > 0 ? rows[(y - 1) * stride + x]! : 0;
      const c = x >= channels && y > 0 ? rows[(y - 1) * stride + x - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`PNG filter ${filter}`);
      rows[y * stride + x] = (line[x]! + predictor) & 0xff;
    }
  }
  const pixels = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    pixels.set(rows.subarray(i * channels, i * channels + 3), i * 4);
    pixels[i * 4 + 3] = channels === 4 ? rows[i * channels + 3]! : 255;
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
