import crypto from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { Decoder, encode } from '@msgpack/msgpack';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { startManager, type Manager } from './manager.js';
import { concatBytes } from '../../io/bytes.js';

/**
 * A Hypha-protocol websocket server embedded in `imjoy-share serve` (the wire protocol of amun-ai/hypha
 * `hypha/websocket.py` and hypha-rpc's clients): a JSON login as the first text frame answered by
 * `connection_info`, then binary frames `msgpack(main) + msgpack(extra)` routed by `main.to` with
 * `from`/`ws`/`user` rewritten to the authenticated sender, and a workspace manager client
 * (manager.ts) that registers and hands out services. Large messages are chunked by the clients
 * themselves (`services.built-in.message_cache`), so the server only routes frames up to a limit.
 */

export interface RpcServerOptions {
  /** Random unless given (tests). */
  workspace?: string;
  token?: string;
  /** Largest websocket frame accepted (clients chunk messages above 256 KiB); default 32 MiB. */
  maxFrameBytes?: number;
  /** Seconds a reconnection token stays valid. */
  reconnectionTokenLifetime?: number;
  log?: (msg: string) => void;
  /**
   * Accept any Host header (the server listens beyond loopback, where DNS rebinding is not the
   * threat and machines reach it by many names); browsers must still come from the host page's
   * own origin.
   */
  anyHost?: boolean;
}

/** What a client needs to join the serve's workspace: also `.cache/rpc.json` and `/host/rpc.json`. */
export interface RpcConnectionInfo {
  server_url: string;
  workspace: string;
  token: string;
}

export interface UserInfo {
  id: string;
  is_anonymous: boolean;
  email: string;
  roles: string[];
  scope: { workspaces: Record<string, string>; current_workspace: string };
}

/** One connected websocket client (or the in-process manager, which has no socket). */
export interface Peer {
  key: string; // workspace/client_id
  workspace: string;
  clientId: string;
  user: UserInfo;
  send(frame: Uint8Array): void;
  socket?: WebSocket;
}

const CLIENT_ID = /^[\w.@+-]{1,128}$/;
const WORKSPACE = /^[\w.-]{1,128}$/;
const SUFFIXES = ['.resolve', '.reject'];
/** Calls awaiting an answer remembered per callee, to reject them when the callee leaves. */
const MAX_PENDING_PER_PEER = 10_000;

export class RpcServer {
  readonly workspace: string;
  readonly token: string;
  serverUrl = '';
  readonly managerId = `workspace-manager-${crypto.randomBytes(4).toString('hex')}`;
  private wss: WebSocketServer;
  private peers = new Map<string, Peer>();
  /** token → workspace (the serve's token and tokens made by generate_token). */
  private tokens = new Map<string, { workspace: string; expires: number }>();
  private reconnection = new Map<string, { workspace: string; clientId: string; user: UserInfo; expires: number }>();
  /** callee key → (caller|session → caller key, session). */
  private pending = new Map<string, Map<string, { caller: string; session: string }>>();
  private manager?: Manager;
  private managerPeer?: Peer;
  private allowedHosts = new Set<string>();
  private allowedOrigins = new Set<string>();
  private heartbeat?: NodeJS.Timeout;
  private lifetime: number;
  private anyHost: boolean;
  private log: (msg: string) => void;

  constructor(opts: RpcServerOptions = {}) {
    this.workspace = opts.workspace ?? `imjoy-share-${crypto.randomBytes(4).toString('hex')}`;
    this.token = opts.token ?? crypto.randomBytes(24).toString('base64url');
    this.tokens.set(this.token, { workspace: this.workspace, expires: Infinity });
    this.lifetime = opts.reconnectionTokenLifetime ?? 86_400;
    this.log = opts.log ?? (() => {});
    this.anyHost = opts.anyHost ?? false;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes ?? 32 * 1024 * 1024 });
    this.wss.on('connection', (ws) => this.onConnection(ws));
  }

  get info(): RpcConnectionInfo {
    return { server_url: this.serverUrl, workspace: this.workspace, token: this.token };
  }

  /** Serves `/ws` upgrades of the host's HTTP server; only the host page's origin (or none) may connect. */
  async attach(server: http.Server, baseUrl: string): Promise<void> {
    this.serverUrl = baseUrl;
    const u = new URL(baseUrl);
    // DNS rebinding: a page of another site resolving its name to 127.0.0.1 sends its own Host.
    for (const h of [u.hostname, 'localhost', '127.0.0.1', '[::1]']) this.allowedHosts.add(`${h}:${u.port}`);
    for (const h of this.allowedHosts) this.allowedOrigins.add(`http://${h}`);
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== '/ws') return void refuse(socket, 404, 'not found');
      const why = this.refusal(req);
      if (why) {
        this.log(`rpc: refused a websocket from ${req.headers.origin ?? 'no origin'}: ${why}`);
        return void refuse(socket, 403, why);
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
    });
    const { manager, peer } = await startManager(this);
    this.manager = manager;
    this.managerPeer = peer;
    this.peers.set(peer.key, peer);
    // Dead sockets (laptop sleep, killed process without FIN) are found by websocket pings.
    this.heartbeat = setInterval(() => {
      for (const p of this.peers.values()) {
        const ws = p.socket as (WebSocket & { alive?: boolean }) | undefined;
        if (!ws) continue;
        if (ws.alive === false) ws.terminate();
        else {
          ws.alive = false;
          ws.ping();
        }
      }
    }, 30_000);
    this.heartbeat.unref();
  }

  /** Why a request may not connect or read the token (undefined: it may). */
  refusal(req: http.IncomingMessage): string | undefined {
    const host = req.headers.host ?? '';
    if (!this.anyHost && !this.allowedHosts.has(host)) return `host ${host} is not this server`;
    const origin = req.headers.origin;
    if (origin && !this.allowedOrigins.has(origin) && !(this.anyHost && origin === `http://${host}`)) return `origin ${origin} is not the host page`;
    return undefined;
  }

  /**
   * `/host/rpc.json`: the workspace and token for the host page. Only same-origin requests get it
   * (browsers send Sec-Fetch-Site, and no CORS header is sent), so other sites open in the browser
   * cannot read it; local processes can, as they can read `.cache/rpc.json`.
   */
  readonly tokenHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean => {
    if (url.pathname !== '/host/rpc.json') return false;
    for (const h of ['Access-Control-Allow-Origin', 'Access-Control-Allow-Headers', 'Access-Control-Expose-Headers', 'Access-Control-Allow-Methods']) res.removeHeader(h);
    const site = req.headers['sec-fetch-site'];
    const why = this.refusal(req) ?? (site && site !== 'same-origin' && site !== 'none' ? `a ${site} request` : undefined);
    if (why) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end(`forbidden: ${why}`);
      return true;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(this.info));
    return true;
  };

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const p of this.peers.values()) p.socket?.terminate();
    this.peers.clear();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }

  // ---- used by the manager -------------------------------------------------------------------

  peer(key: string): Peer | undefined {
    return this.peers.get(key);
  }

  clientsOf(workspace: string): Peer[] {
    return [...this.peers.values()].filter((p) => p.workspace === workspace);
  }

  generateToken(workspace: string, expiresIn: number): string {
    const token = crypto.randomBytes(24).toString('base64url');
    this.tokens.set(token, { workspace, expires: Date.now() + expiresIn * 1000 });
    return token;
  }

  // ---- connections ---------------------------------------------------------------------------

  private onConnection(ws: WebSocket) {
    let peer: Peer | undefined;
    const loginTimer = setTimeout(() => ws.close(1008, 'no login message within 10 s'), 10_000);
    (ws as WebSocket & { alive?: boolean }).alive = true;
    ws.on('pong', () => ((ws as WebSocket & { alive?: boolean }).alive = true));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const bytes = toBytes(data);
      if (!peer) {
        clearTimeout(loginTimer);
        if (isBinary) return void this.fail(ws, 'the first message must be the JSON login');
        try {
          peer = this.login(ws, JSON.parse(Buffer.from(bytes).toString('utf8')));
        } catch (e) {
          this.fail(ws, (e as Error).message);
        }
        return;
      }
      if (isBinary) this.route(peer, bytes);
      else this.control(peer, ws, bytes);
    });
    ws.on('close', () => {
      clearTimeout(loginTimer);
      if (peer && this.peers.get(peer.key)?.socket === ws) this.leave(peer);
    });
    ws.on('error', (e) => this.log(`rpc: ${peer?.key ?? 'client'}: ${e.message}`));
  }

  private fail(ws: WebSocket, message: string) {
    ws.send(JSON.stringify({ type: 'error', message }));
    ws.close(1008, message.slice(0, 120));
  }

  private login(ws: WebSocket, msg: Record<string, unknown>): Peer {
    if (!msg || typeof msg !== 'object') throw new Error('the login message must be a JSON object');
    const clientId = msg.client_id == null || msg.client_id === '' ? crypto.randomUUID() : String(msg.client_id);
    if (!CLIENT_ID.test(clientId)) throw new Error(`invalid client_id: ${clientId}`);
    const wanted = msg.workspace == null || msg.workspace === '' ? undefined : String(msg.workspace);
    if (wanted !== undefined && !WORKSPACE.test(wanted)) throw new Error(`invalid workspace: ${wanted}`);
    let workspace: string;
    let user: UserInfo;
    const now = Date.now();
    const rec = typeof msg.reconnection_token === 'string' ? this.reconnection.get(msg.reconnection_token) : undefined;
    if (rec && rec.expires > now && rec.clientId === clientId && (wanted === undefined || wanted === rec.workspace)) {
      workspace = rec.workspace;
      user = rec.user;
    } else if (msg.token != null && msg.token !== '') {
      const t = this.tokens.get(String(msg.token));
      if (!t || t.expires < now) throw new Error('Invalid token: it is not a token of this server (see .cache/rpc.json of `imjoy-share serve`)');
      if (wanted !== undefined && wanted !== t.workspace) throw new Error(`Permission denied: the token is not valid for workspace ${wanted}`);
      workspace = t.workspace;
      user = userInfo(`${workspace}-owner`, false, workspace);
    } else {
      if (wanted !== undefined) throw new Error(`Permission denied: workspace ${wanted} needs a token (anonymous clients only get a workspace of their own)`);
      const id = `anonymous-${crypto.randomBytes(5).toString('hex')}`;
      workspace = `ws-${id}`;
      user = userInfo(id, true, workspace);
    }
    const key = `${workspace}/${clientId}`;
    const old = this.peers.get(key);
    if (old?.socket) {
      // A reconnecting client (or a second one with its id and credentials) takes over the id.
      this.leave(old);
      old.socket.close(1000, 'replaced by a new connection with the same client id');
    }
    const peer: Peer = {
      key,
      workspace,
      clientId,
      user,
      socket: ws,
      send: (frame) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(frame, { binary: true });
      },
    };
    this.peers.set(key, peer);
    const reconnectionToken = crypto.randomBytes(24).toString('base64url');
    this.reconnection.set(reconnectionToken, { workspace, clientId, user, expires: now + this.lifetime * 1000 });
    ws.send(
      JSON.stringify({
        type: 'connection_info',
        // the Hypha release whose protocol this follows (clients that look at it get that behaviour)
        hypha_version: '0.21.135',
        public_base_url: this.serverUrl,
        local_base_url: this.serverUrl,
        manager_id: this.managerId,
        workspace,
        client_id: clientId,
        user,
        reconnection_token: reconnectionToken,
        reconnection_token_life_time: this.lifetime,
      }),
    );
    return peer;
  }

  private control(peer: Peer, ws: WebSocket, bytes: Uint8Array) {
    if (bytes.byteLength > 4096) return; // control frames are tiny; anything else is not ours
    let msg: { type?: string };
    try {
      msg = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return;
    }
    if (msg.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    else if (msg.type === 'refresh_token') {
      const token = crypto.randomBytes(24).toString('base64url');
      this.reconnection.set(token, { workspace: peer.workspace, clientId: peer.clientId, user: peer.user, expires: Date.now() + this.lifetime * 1000 });
      ws.send(JSON.stringify({ type: 'reconnection_token', reconnection_token: token }));
    }
  }

  private leave(peer: Peer) {
    this.peers.delete(peer.key);
    this.manager?.removeClient(peer);
    // Calls still waiting on this client will never be answered: reject them now, not after a timeout.
    const waiting = this.pending.get(peer.key);
    this.pending.delete(peer.key);
    for (const { caller, session } of waiting?.values() ?? []) {
      this.rejectCall(peer.key, caller, session, `Client ${peer.key} disconnected before answering`);
    }
    for (const [, calls] of this.pending) for (const [k, c] of calls) if (c.caller === peer.key) calls.delete(k);
    // hypha-rpc clients subscribed to client_disconnected drop their other sessions with it.
    const event = encode({ type: 'client_disconnected', from: `*/${this.managerId}`, to: '*', data: { id: peer.clientId, workspace: peer.workspace } });
    for (const p of this.clientsOf(peer.workspace)) p.send(event);
  }

  private rejectCall(from: string, to: string, session: string, message: string) {
    const target = this.peers.get(to);
    if (!target) return;
    const main = encode({ type: 'method', from, to, ws: target.workspace, method: `${session}.reject` });
    const extra = encode({ args: [{ _rtype: 'error', _rvalue: message, _rtrace: '' }] });
    target.send(concatBytes([main, extra]));
  }

  // ---- routing -------------------------------------------------------------------------------

  /** Routes one binary frame from `from`; `from` is the authenticated sender, never the frame's word. */
  route(from: Peer, frame: Uint8Array) {
    const decoder = new Decoder();
    let main: Record<string, unknown>;
    let rest: Uint8Array;
    let extra: Record<string, unknown> | undefined;
    try {
      const it = decoder.decodeMulti(frame);
      main = it.next().value as Record<string, unknown>;
      const pos = (decoder as unknown as { pos: number }).pos;
      rest = frame.subarray(pos);
      if (!main || typeof main !== 'object' || typeof main.to !== 'string') throw new Error('no "to"');
      const to0 = main.to as string;
      if (to0.startsWith('*/') && rest.byteLength > 0) extra = it.next().value as Record<string, unknown>;
    } catch (e) {
      this.log(`rpc: dropped a malformed frame from ${from.key}: ${(e as Error).message}`);
      return;
    }
    let to = main.to as string;
    if (to === '*') {
      // a broadcast to the sender's workspace
      main.from = from.key;
      main.ws = from.workspace;
      main.user = from.user;
      const out = concatBytes([encode(main), rest]);
      for (const p of this.clientsOf(from.workspace)) if (p !== from) p.send(out);
      return;
    }
    if (!to.includes('/')) to = `${from.workspace}/${to}`; // relative to the sender's workspace
    const session = typeof main.session === 'string' ? main.session : undefined;
    const targetWs = to.split('/')[0];
    if (targetWs !== from.workspace && targetWs !== '*' && from !== this.managerPeer) {
      if (session) this.rejectCall(to, from.key, session, `Permission denied: ${from.key} may not call clients of workspace ${targetWs}`);
      return;
    }
    const target = this.peers.get(to);
    if (!target) {
      // Hypha (#868) answers a call to a gone client at once instead of letting the caller time out.
      if (session) this.rejectCall(to, from.key, session, `Target peer ${to} is not connected`);
      return;
    }
    main.to = to;
    main.from = from.key;
    main.ws = target === this.managerPeer ? from.workspace : target.workspace;
    main.user = from.user;
    // The manager is a hypha-rpc JS RPC, which ignores `with_kwargs`; tell it through the context.
    if (extra && target === this.managerPeer) main.with_kwargs = !!extra.with_kwargs;
    const method = typeof main.method === 'string' ? main.method : '';
    if (session && main.type === 'method') this.remember(to, from.key, session);
    else if (SUFFIXES.some((s) => method.endsWith(s))) this.pending.get(from.key)?.delete(`${to}|${method.slice(0, method.lastIndexOf('.'))}`);
    target.send(concatBytes([encode(main), rest]));
  }

  private remember(callee: string, caller: string, session: string) {
    let calls = this.pending.get(callee);
    if (!calls) this.pending.set(callee, (calls = new Map()));
    if (calls.size >= MAX_PENDING_PER_PEER) calls.delete(calls.keys().next().value!);
    calls.set(`${caller}|${session}`, { caller, session });
  }
}

export function userInfo(id: string, anonymous: boolean, workspace: string): UserInfo {
  return { id, is_anonymous: anonymous, email: '', roles: [], scope: { workspaces: { [workspace]: 'rw' }, current_workspace: workspace } };
}

function refuse(socket: Duplex, status: number, why: string) {
  socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'Forbidden'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

