import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRdf, RdfLoadError } from '../../src/rdf/load.js';
import { loadRdfNode } from '../../src/rdf/node.js';
import { parseRdf, RdfParseError } from '../../src/rdf/parse.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rdf-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Classic "billion laughs": 9 levels of 9 aliases each would expand to 9^9 strings.
const BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill('*' + 'abcdefghi'[i]).join(',')}]`))
  .join('\n');

/** The error `f` throws (the tests below are about how a parse fails, not whether it does). */
function failure(f: () => unknown): { error?: Error } {
  try {
    f();
    return {};
  } catch (e) {
    return { error: e as Error };
  }
}

describe('hostile YAML fails fast with a clear error naming the file', () => {
  it('alias bomb', () => {
    const r = failure(() => parseRdf(BOMB, { name: 'bomb.yaml' }));
    expect(r.error).toBeInstanceOf(RdfParseError);
    expect(r.error!.message).toMatch(/^bomb\.yaml: YAML alias expansion exceeds the limit/);
  });

  it('a few aliases are fine (real RDFs use anchors)', () => {
    const p = parseRdf('x: &x {a: 1}\ny: *x\nz: *x\n', { name: 'ok.yaml' });
    expect(p.data).toEqual({ x: { a: 1 }, y: { a: 1 }, z: { a: 1 } });
  });

  it('50 MB text', () => {
    const big = 'description: "' + 'x'.repeat(50 * 1024 * 1024) + '"\n';
    const r = failure(() => parseRdf(big, { name: 'big.yaml' }));
    expect(r.error!.message).toMatch(/^big\.yaml: file is 50\.0 MB; RDF files are limited to 10 MB/);
  });

  it('50 MB file on disk: refused from its size, before reading', async () => {
    const f = path.join(tmp, 'big.yaml');
    writeFileSync(f, Buffer.alloc(50 * 1024 * 1024, 0x61));
    const e = await loadRdfNode(f).catch((x) => x);
    expect(e).toBeInstanceOf(RdfLoadError);
    expect(e.message).toBe(`${f}: file is 50.0 MB; RDF files are limited to 10 MB`);
  });

  it('deep flow nesting', () => {
    const r = failure(() => parseRdf('x: ' + '['.repeat(100000) + ']'.repeat(100000), { name: 'deep.yaml' }));
    expect(r.error!.message).toMatch(/^deep\.yaml:1:\d+: YAML nesting deeper than 64 levels/);
  });

  it('deep block nesting', () => {
    const text = Array.from({ length: 200 }, (_, i) => ' '.repeat(i * 2) + 'k:').join('\n') + ' 1';
    expect(() => parseRdf(text, { name: 'deepb.yaml' })).toThrow(/^deepb\.yaml:\d+:\d+: YAML nesting deeper than 64 levels/);
  });

  it('syntax errors and duplicate keys carry a line', () => {
    expect(() => parseRdf('name: a\ntags: [a, b\n', { name: 's.yaml' })).toThrow(/^s\.yaml:\d+:\d+: YAML syntax error/);
    expect(() => parseRdf('name: a\nname: b\n', { name: 'd.yaml' })).toThrow(/^d\.yaml:2:1: YAML syntax error: Map keys must be unique/);
  });

  it('non-UTF-8 bytes', async () => {
    const f = path.join(tmp, 'latin1.yaml');
    writeFileSync(f, Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));
    await expect(loadRdfNode(f)).rejects.toThrow(`${f}: not UTF-8 text`);
  });
});

describe('over HTTP: the size cap holds without trusting Content-Length', () => {
  let server: http.Server;
  let base: string;
  let bytesSent = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/declared.yaml') {
        res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
        res.end('name: x\n'); // lies; we must refuse from the header alone
        return;
      }
      if (req.url === '/chunked.yaml') {
        // No Content-Length: streams 1 MB chunks until the client hangs up.
        res.writeHead(200, { 'content-type': 'text/yaml' });
        const chunk = Buffer.alloc(1024 * 1024, 0x61);
        const pump = () => {
          while (bytesSent < 60 * 1024 * 1024) {
            bytesSent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => undefined);
        pump();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('declared 50 MB', async () => {
    await expect(loadRdf(`${base}/declared.yaml`)).rejects.toThrow(`${base}/declared.yaml: file is 50.0 MB; RDF files are limited to 10 MB`);
  });

  it('undeclared stream stops right after the cap', async () => {
    const e = await loadRdf(`${base}/chunked.yaml`).catch((x) => x);
    expect(e.message).toMatch(/chunked\.yaml: file is more than 10\.\d MB; RDF files are limited to 10 MB/);
    expect(bytesSent).toBeLessThan(40 * 1024 * 1024);
  });

  it('404 is a load error with status', async () => {
    const e = await loadRdf(`${base}/missing.yaml`).catch((x) => x);
    expect(e).toBeInstanceOf(RdfLoadError);
    expect(e.status).toBe(404);
  });
});
