/**
 * socketTransport against real servers on loopback: our static server (ranges, multi-range, a
 * 33.5 MB random file byte for byte), node:http / node:https servers, and raw node:net servers
 * that write exact bytes for the framing and failure cases (chunked in odd pieces, interim
 * responses, bodies until close, servers dying or closing kept-alive connections).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketTransport } from '../../src/io/http-socket-transport.js';
import type { Reply } from '../../src/io/http-transport.js';
import { ByterangesParser, multipartBoundary } from '../../src/io/multipart.js';
import { startStaticServer, type RunningServer } from '../../src/http/static-server.js';
import { repoRoot } from '../helpers/paths.js';

const T = socketTransport()!;
const signal = () => new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The body as one array; chunks are copied, as the contract asks (they are views into a reused buffer). */
async function bytesOf(reply: Reply): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await reply.consume((b) => void parts.push(b.slice()));
  return Buffer.concat(parts);
}
const textOf = async (reply: Reply) => Buffer.from(await bytesOf(reply)).toString('latin1');
async function get(url: string, headers: Record<string, string> = {}) {
  const reply = await T(url, headers, signal());
  return { reply, text: await textOf(reply) };
}
async function until(cond: () => boolean, what: string, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((r) => server.listen(0, host, () => r((server.address() as net.AddressInfo).port)));
}

interface Raw {
  url: string;
  connections: number;
  closed: number;
  requests: string[];
  close(): Promise<void>;
}
/** A node:net server calling `onRequest` for each request head, on each connection in order. */
async function rawServer(onRequest: (sock: net.Socket, req: string, nth: number) => void): Promise<Raw> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    raw.connections++;
    sockets.add(sock);
    sock.setNoDelay(true);
    let pending = '';
    let nth = 0;
    sock.on('data', (d) => {
      pending += d.toString('latin1');
      for (let i; (i = pending.indexOf('\r\n\r\n')) >= 0; ) {
        const req = pending.slice(0, i + 4);
        pending = pending.slice(i + 4);
        raw.requests.push(req);
        onRequest(sock, req, nth++);
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      raw.closed++;
      sockets.delete(sock);
    });
  });
  const raw: Raw = {
    url: '',
    connections: 0,
    closed: 0,
    requests: [],
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
  raw.url = `http://127.0.0.1:${await listen(server)}`;
  return raw;
}
const pathOf = (req: string) => req.split(' ')[1];

/** node:http server counting connections. */
async function httpServer(handler: http.RequestListener, opts: http.ServerOptions = {}, host = '127.0.0.1') {
  const server = http.createServer(opts, handler);
  const stats = { connections: 0 };
  server.on('connection', () => stats.connections++);
  const port = await listen(server, host);
  return {
    stats,
    port,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function raw(onRequest: (sock: net.Socket, req: string, nth: number) => void) {
  const s = await rawServer(onRequest);
  servers.push(s);
  return s;
}

describe('socketTransport: bytes from our static server', () => {
  let dir: string;
  let data: Buffer;
  let srv: RunningServer;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socket-transport-'));
    data = randomBytes(33_500_000);
    fs.writeFileSync(path.join(dir, 'big.bin'), data);
    srv = await startStaticServer({ mounts: { '/': dir } });
  });
  afterAll(async () => {
    await srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  it('receives a 33.5 MB range byte for byte, in views of one reused receive buffer', async () => {
    const reply = await T(`${srv.url}/big.bin`, { Range: `bytes=0-${data.length - 1}` }, signal());
    expect(reply.status).toBe(206);
    expect(reply.header('Content-Range')).toBe(`bytes 0-${data.length - 1}/${data.length}`);
    const out = new Uint8Array(Number(reply.header('content-length')));
    let o = 0;
    const buffers = new Set<ArrayBufferLike>();
    let chunks = 0;
    await reply.consume((b) => {
      out.set(b, o);
      o += b.length;
      buffers.add(b.buffer);
      chunks++;
    });
    expect(o).toBe(data.length);
    expect(sha(out)).toBe(sha(data));
    // the bytes that came with the head are a copy of their own; everything after is the connection's buffer
    expect(chunks).toBeGreaterThan(10);
    expect(buffers.size).toBeLessThanOrEqual(2);
    expect(Math.max(...[...buffers].map((b) => b.byteLength))).toBeLessThanOrEqual(1 << 20);
  });

  it('receives a multi-range answer byte for byte', async () => {
    const ranges = [[0, 999], [5_000_000, 15_999_999], [33_000_000, data.length - 1]];
    const reply = await T(`${srv.url}/big.bin`, { Range: `bytes=${ranges.map(([a, b]) => `${a}-${b}`).join(',')}` }, signal());
    expect(reply.status).toBe(206);
    const parts = ranges.map(([a, b]) => ({ start: a, out: new Uint8Array(b - a + 1), got: 0 }));
    const parser = new ByterangesParser(multipartBoundary(reply.header('content-type'))!, {
      part: () => {},
      data: (pos, bytes) => {
        const p = parts.find((x) => pos >= x.start && pos < x.start + x.out.length)!;
        p.out.set(bytes, pos - p.start);
        p.got += bytes.length;
      },
    }, 'big.bin');
    let total = 0;
    await reply.consume((b) => {
      total += b.length;
      parser.push(b);
    });
    parser.end();
    expect(total).toBe(Number(reply.header('content-length')));
    for (const [i, [a, b]] of ranges.entries()) {
      expect(parts[i].got).toBe(b - a + 1);
      expect(sha(parts[i].out)).toBe(sha(data.subarray(a, b + 1)));
    }
  });
});

describe('socketTransport: response framing', () => {
  it('decodes a chunked body sent in odd pieces, with extensions and trailers, and reuses the connection', async () => {
    const body = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const wire = (b: string) =>
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `7;name=value;flag\r\n${b.slice(0, 7)}\r\n` +
      `${(b.length - 7 - 100).toString(16).toUpperCase()} ; ext\r\n${b.slice(7, -100)}\r\n` +
      `64\r\n${b.slice(-100)}\r\n` +
      '0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n';
    const s = await raw(async (sock, req) => {
      const w = wire(pathOf(req) === '/a' ? body : body.toUpperCase());
      const sizes = [1, 3, 7, 2, 13, 64, 5, 300];
      for (let o = 0, i = 0; o < w.length; i++) {
        const n = sizes[i % sizes.length];
        sock.write(w.slice(o, o + n), 'latin1');
        o += n;
        await sleep(1);
      }
    });
    const a = await get(`${s.url}/a`);
    expect(a.reply.status).toBe(200);
    expect(a.text).toBe(body);
    const b = await get(`${s.url}/b`);
    expect(b.text).toBe(body.toUpperCase());
    expect(s.connections).toBe(1);
  });

  it('rejects malformed chunked bodies', async () => {
    const bodies: Record<string, string> = {
      '/size': 'zz\r\nabc\r\n0\r\n\r\n',
      '/crlf': '3\r\nabcX\r\n0\r\n\r\n',
      '/trailer': '3\r\nabc\r\n0\r\nnot a header\r\n\r\n',
    };
    const s = await raw((sock, req) => sock.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${bodies[pathOf(req)]}`));
    for (const p of Object.keys(bodies)) {
      const reply = await T(`${s.url}${p}`, {}, signal());
      await expect(bytesOf(reply), p).rejects.toThrow(/malformed chunked body/);
    }
  });

  it('reads a Content-Length body and joins repeated headers as header() returns them', async () => {
    const s = await raw((sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: 1\r\nx-a:  2 \r\nContent-Type: text/plain\r\n\r\nhello world'));
    const { reply, text } = await get(`${s.url}/`);
    expect(text).toBe('hello world');
    expect(reply.header('X-A')).toBe('1, 2');
    expect(reply.header('content-type')).toBe('text/plain');
    expect(reply.header('x-missing')).toBeNull();
    await get(`${s.url}/`);
    expect(s.connections).toBe(1);
  });

  it('refuses invalid and conflicting Content-Length values', async () => {
    const heads: Record<string, string> = { '/abc': 'Content-Length: abc', '/neg': 'Content-Length: -1', '/two': 'Content-Length: 5\r\nContent-Length: 6' };
    const s = await raw((sock, req) => sock.write(`HTTP/1.1 200 OK\r\n${heads[pathOf(req)]}\r\n\r\nhello!`));
    for (const p of Object.keys(heads)) await expect(T(`${s.url}${p}`, {}, signal()), p).rejects.toThrow(/invalid Content-Length/);
  });

  it('reads a body without length until the server closes, and does not reuse that connection', async () => {
    const s = await raw((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
      setTimeout(() => sock.end('close'), 30);
    });
    expect((await get(`${s.url}/`)).text).toBe('until close');
    expect((await get(`${s.url}/`)).text).toBe('until close');
    expect(s.connections).toBe(2);
  });

  it('204 and 304 have no body (whatever their headers say) and keep the connection', async () => {
    const s = await raw((sock, _req, nth) => sock.write(nth % 2 ? 'HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n' : 'HTTP/1.1 204 No Content\r\n\r\n'));
    for (const status of [204, 304, 204]) {
      const { reply, text } = await get(`${s.url}/`);
      expect(reply.status).toBe(status);
      expect(text).toBe('');
    }
    expect(s.connections).toBe(1);
  });

  it('skips interim 1xx responses', async () => {
    const s = await raw((sock) => sock.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.js>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Final: yes\r\n\r\nok'));
    const { reply, text } = await get(`${s.url}/`);
    expect(reply.status).toBe(200);
    expect(reply.header('x-final')).toBe('yes');
    expect(reply.header('link')).toBeNull();
    expect(text).toBe('ok');
  });

  it('does not reuse a connection after Connection: close or an HTTP/1.0 answer without keep-alive', async () => {
    for (const head of ['HTTP/1.1 200 OK\r\nConnection: close', 'HTTP/1.0 200 OK']) {
      // the server keeps its side open: the client must not send a second request on it
      const s = await raw((sock) => sock.write(`${head}\r\nContent-Length: 2\r\n\r\nok`));
      expect((await get(`${s.url}/`)).text).toBe('ok');
      expect((await get(`${s.url}/`)).text).toBe('ok');
      expect(s.connections, head).toBe(2);
      await until(() => s.closed === 2, 'the client to close both connections');
    }
    const ka = await raw((sock) => sock.write('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok'));
    await get(`${ka.url}/`);
    await get(`${ka.url}/`);
    expect(ka.connections).toBe(1);
  });

  it('rejects a response head larger than 64 KiB, and takes one just below', async () => {
    const s = await raw((sock, req) => {
      const n = pathOf(req) === '/big' ? 70_000 : 60_000;
      const head = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(n)}\r\nContent-Length: 2\r\n\r\nok`;
      // in pieces, so the head is put together across reads
      for (let o = 0; o < head.length; o += 16_000) sock.write(head.slice(o, o + 16_000));
    });
    await expect(T(`${s.url}/big`, {}, signal())).rejects.toThrow(/response head is larger than 65536 bytes/);
    const { reply, text } = await get(`${s.url}/fits`);
    expect(reply.header('x-big')).toHaveLength(60_000);
    expect(text).toBe('ok');
  });
});

describe('socketTransport: connections', () => {
  it('sends one kept-alive connection N sequential requests', async () => {
    const s = await httpServer((req, res) => res.end(`path ${req.url} host ${req.headers.host}`));
    servers.push(s);
    for (let i = 0; i < 6; i++) expect((await get(`http://127.0.0.1:${s.port}/r${i}?q=${i}`)).text).toBe(`path /r${i}?q=${i} host 127.0.0.1:${s.port}`);
    expect(s.stats.connections).toBe(1);
  });

  it('drops an idle connection the server closed, and the next request opens a new one', async () => {
    const s = await raw((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine');
      setTimeout(() => sock.end(), 50);
    });
    expect((await get(`${s.url}/`)).text).toBe('fine');
    // the server's 'close' comes once both ends are closed: the client has seen the FIN by then
    await until(() => s.closed === 1, 'the server to close the idle connection');
    expect((await get(`${s.url}/`)).text).toBe('fine');
    expect(s.connections).toBe(2);
    // nothing was sent on the closed connection: the pool had dropped it
    expect(s.requests).toHaveLength(2);
  });

  it('retries once on a new connection when the server closes a kept-alive one as the request arrives', async () => {
    // answers the first request of each connection, closes on the second without a byte: the keep-alive race
    const s = await raw((sock, _req, nth) => (nth === 0 ? sock.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none') : sock.destroy()));
    expect((await get(`${s.url}/`)).text).toBe('one');
    expect((await get(`${s.url}/`)).text).toBe('one');
    expect(s.connections).toBe(2);
    expect(s.requests).toHaveLength(3);
  });

  it('does not retry a new connection that closes before answering', async () => {
    const s = await raw((sock) => sock.destroy());
    await expect(T(`${s.url}/`, {}, signal())).rejects.toThrow();
    expect(s.connections).toBe(1);
  });

  it('rejects consume with a clear error when the server dies mid-body', async () => {
    const s = await raw((sock) => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n${'x'.repeat(600)}`);
      setTimeout(() => sock.end('y'.repeat(400)), 30);
    });
    const reply = await T(`${s.url}/`, {}, signal());
    await expect(bytesOf(reply)).rejects.toThrow('the connection closed before the body was complete (received 1000 of 100000 bytes)');
  });

  it('keeps at most 16 connections per origin; further requests wait for a free one', async () => {
    let active = 0;
    let most = 0;
    const s = await httpServer((_req, res) => {
      most = Math.max(most, ++active);
      setTimeout(() => {
        active--;
        res.end('done');
      }, 150);
    });
    servers.push(s);
    const texts = await Promise.all(Array.from({ length: 20 }, () => get(`http://127.0.0.1:${s.port}/`).then((r) => r.text)));
    expect(texts).toEqual(Array(20).fill('done'));
    expect(most).toBe(16);
    expect(s.stats.connections).toBe(16);
  });

  it('a request waiting for a connection can be aborted; aborted connections free their places', async () => {
    const s = await raw((sock, req) => pathOf(req) === '/ok' && sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const acs = Array.from({ length: 17 }, () => new AbortController());
    const pending = acs.map((ac) => T(`${s.url}/hang`, {}, ac.signal));
    pending.forEach((p) => p.catch(() => {}));
    await until(() => s.requests.length === 16, '16 requests');
    const reason = new Error('gave up waiting');
    acs[16].abort(reason);
    await expect(pending[16]).rejects.toBe(reason);
    for (const ac of acs.slice(0, 16)) ac.abort(reason);
    await until(() => s.closed === 16, 'the aborted connections to close');
    expect((await get(`${s.url}/ok`)).text).toBe('ok');
    expect(s.connections).toBe(17);
    expect(s.requests).toHaveLength(17);
  });

  it('talks to an IPv6 literal host', async () => {
    const s = await httpServer((req, res) => res.end(`host ${req.headers.host}`), {}, '::1');
    servers.push(s);
    expect((await get(`http://[::1]:${s.port}/`)).text).toBe(`host [::1]:${s.port}`);
  });

  it('leaves idle connections unref\'d: a process that made a request exits by itself', async () => {
    const s = await httpServer((_req, res) => res.end('bye'));
    servers.push(s);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socket-transport-unref-'));
    try {
      await esbuild.build({ entryPoints: [path.join(repoRoot, 'src/io/http-socket-transport.ts')], bundle: true, platform: 'node', format: 'esm', outfile: path.join(dir, 't.mjs'), logLevel: 'silent' });
      const script = `import { socketTransport } from './t.mjs';
        const r = await socketTransport()('http://127.0.0.1:${s.port}/', {}, new AbortController().signal);
        let n = 0; await r.consume((b) => { n += b.length; });
        console.log(r.status, n);`;
      fs.writeFileSync(path.join(dir, 'main.mjs'), script);
      const child = spawn(process.execPath, [path.join(dir, 'main.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const t0 = Date.now();
      const code = await new Promise<number | null>((resolve) => {
        const kill = setTimeout(() => child.kill(), 10_000);
        child.on('exit', (c) => {
          clearTimeout(kill);
          resolve(c);
        });
      });
      expect(code).toBe(0);
      expect(out.trim()).toBe('200 3');
      // the server keeps the connection open for 5 s (node:http keepAliveTimeout): exiting sooner means it was unref'd
      expect(Date.now() - t0).toBeLessThan(4000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays out of browser bundles: HttpSource reaches it only through src/node.ts', async () => {
    for (const entry of ['src/io/http-source.ts', 'src/reference/open.ts', 'src/codecs/index.ts']) {
      const r = await esbuild.build({ entryPoints: [path.join(repoRoot, entry)], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
      expect(r.errors).toEqual([]);
      expect(r.outputFiles[0].text, entry).not.toMatch(/(from|import\(|require\()\s*["']node:|getBuiltinModule|http\/1\.1/i);
    }
  });
});

describe('socketTransport: requests, abort, cancel, redirects', () => {
  it('refuses header names and values that could inject headers, before connecting', async () => {
    const s = await raw((sock) => sock.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await expect(T(`${s.url}/`, { 'X-A': 'v\r\nX-Injected: 1' }, signal())).rejects.toThrow(/invalid character in the value of HTTP header X-A/);
    await expect(T(`${s.url}/`, { 'X-A': 'v\nGET / HTTP/1.1' }, signal())).rejects.toThrow(/invalid character/);
    await expect(T(`${s.url}/`, { 'X-A': 'v\0' }, signal())).rejects.toThrow(/invalid character/);
    await expect(T(`${s.url}/`, { 'X-A\r\nX-B': 'v' }, signal())).rejects.toThrow(/invalid HTTP header name/);
    expect(s.connections).toBe(0);
    await get(`${s.url}/`, { 'X-Fine': 'a: b; c=d' });
    expect(s.requests[0]).toMatch(/^GET \/ HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nX-Fine: a: b; c=d\r\n\r\n$/);
  });

  it('aborts before the headers: the promise rejects with the signal\'s reason and the connection is closed', async () => {
    const s = await raw(() => {});
    const ac = new AbortController();
    const pending = T(`${s.url}/`, {}, ac.signal);
    await until(() => s.requests.length === 1, 'the request');
    const reason = new Error('stop now');
    ac.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await until(() => s.closed === 1, 'the connection to close');
    const pre = new AbortController();
    pre.abort(reason);
    await expect(T(`${s.url}/`, {}, pre.signal)).rejects.toBe(reason);
    expect(s.connections).toBe(1);
  });

  it('aborts mid-body: consume rejects with the reason and the connection is closed', async () => {
    const s = await raw((sock) => sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n${'z'.repeat(70_000)}`));
    const ac = new AbortController();
    const reply = await T(`${s.url}/`, {}, ac.signal);
    let got = 0;
    const body = reply.consume((b) => void (got += b.length));
    await until(() => got === 70_000, 'the first bytes');
    const reason = new Error('enough');
    ac.abort(reason);
    await expect(body).rejects.toBe(reason);
    await until(() => s.closed === 1, 'the connection to close');
  });

  it('stops when onChunk returns false, closing the connection of an unfinished body', async () => {
    const s = await raw((sock) => sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n${'z'.repeat(300_000)}`));
    const reply = await T(`${s.url}/`, {}, signal());
    let calls = 0;
    await reply.consume(() => {
      calls++;
      return false;
    });
    expect(calls).toBe(1);
    await until(() => s.closed === 1, 'the connection to close');
  });

  it('cancel() drains a small rest (the connection is reused) and cuts a big one', async () => {
    const s = await raw((sock, req) => {
      if (pathOf(req) === '/small') {
        sock.write('HTTP/1.1 200 OK\r\nContent-Length: 30000\r\n\r\n');
        setTimeout(() => sock.write('s'.repeat(30_000)), 30);
      } else sock.write(`HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n${'b'.repeat(1 << 20)}`);
    });
    // the rest comes 30 ms later; until it is drained the connection is busy (its pool says when it is back)
    let idle = 0;
    const own = socketTransport({ onIdle: () => idle++ });
    (await own(`${s.url}/small`, {}, signal())).cancel();
    await until(() => idle === 1, 'the drained connection back in its pool');
    expect(await textOf(await own(`${s.url}/small`, {}, signal()))).toBe('s'.repeat(30_000));
    expect(s.connections).toBe(1);
    (await own(`${s.url}/big`, {}, signal())).cancel();
    await until(() => s.closed === 1, 'the big body\'s connection to close');
    expect(await textOf(await own(`${s.url}/small`, {}, signal()))).toHaveLength(30_000);
    expect(s.connections).toBe(2);
  });

  it('follows redirects to another port, dropping credentials across origins', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const b = await httpServer((req, res) => {
      seen.push(req.headers);
      res.end(`B${req.url}`);
    });
    servers.push(b);
    const a = await raw((sock, req) => {
      const p = pathOf(req);
      const to = p === '/same' ? '/final' : p === '/loop' ? '/loop' : p === '/data' ? 'data:text/plain,hello%20data' : `http://127.0.0.1:${b.port}/target?x=1`;
      const body = p === '/final' ? 'A final' : '';
      sock.write(p === '/final' ? `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}` : `HTTP/1.1 ${p === '/same' ? 307 : 302} Found\r\nLocation: ${to}\r\nContent-Length: 0\r\n\r\n`);
    });
    const headers = { Authorization: 'Bearer secret', Cookie: 'c=1', 'X-Keep': 'kept' };
    const cross = await get(`${a.url}/away`, headers);
    expect(cross.reply.status).toBe(200);
    expect(cross.text).toBe('B/target?x=1');
    expect(seen[0]['x-keep']).toBe('kept');
    expect(seen[0].authorization).toBeUndefined();
    expect(seen[0].cookie).toBeUndefined();
    // same origin: credentials stay
    expect((await get(`${a.url}/same`, headers)).text).toBe('A final');
    expect(a.requests.at(-1)).toMatch(/^GET \/final HTTP\/1\.1\r\n[^]*Authorization: Bearer secret\r\n/);
    // 20 hops at most: the 21st redirect is returned as it is
    const before = a.requests.length;
    const loop = await get(`${a.url}/loop`);
    expect(loop.reply.status).toBe(302);
    expect(a.requests.length - before).toBe(21);
    // another protocol goes to fetch
    const data = await get(`${a.url}/data`);
    expect(data.reply.status).toBe(200);
    expect(data.text).toBe('hello data');
  });
});

describe('socketTransport: https', () => {
  let dir: string;
  let srv: https.Server;
  let port: number;
  let cert: string;
  const body = randomBytes(3_000_000);
  const names: (string | false | null)[] = [];
  let connections = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socket-transport-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    srv = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
      names.push((req.socket as import('node:tls').TLSSocket).servername);
      res.end(body);
    });
    srv.on('secureConnection', () => connections++);
    port = await listen(srv);
  });
  afterAll(async () => {
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a self-signed certificate by default (certificate checks stay on)', async () => {
    await expect(T(`https://localhost:${port}/`, {}, signal())).rejects.toThrow(/self[- ]signed/i);
  });

  it('with that certificate trusted: sends SNI for host names only, reuses the connection, bytes intact', async () => {
    const t = socketTransport({ ca: cert })!;
    for (const host of ['localhost', 'localhost', '127.0.0.1']) {
      const reply = await t(`https://${host}:${port}/x`, {}, signal());
      expect(reply.status).toBe(200);
      expect(Buffer.from(await bytesOf(reply)).equals(body)).toBe(true);
    }
    expect(names.slice(-3)).toEqual(['localhost', 'localhost', false]);
    // localhost and 127.0.0.1 are two origins, one connection each
    expect(connections).toBe(2);
  });
});
