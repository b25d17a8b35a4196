import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, startRpcServer, type Api, type TestServer } from './helpers.js';

describe('embedded Hypha server with the npm hypha-rpc client', () => {
  let s: TestServer;
  let a: Api;
  let b: Api;
  beforeAll(async () => {
    s = await startRpcServer();
    a = await connect({ server_url: s.url, workspace: s.rpc.workspace, token: s.rpc.token, client_id: 'a' });
    b = await connect({ server_url: s.url, workspace: s.rpc.workspace, token: s.rpc.token, client_id: 'b' });
  });
  afterAll(async () => {
    await a?.disconnect();
    await b?.disconnect();
    await s?.close();
  });

  it('logs in to the workspace and registers, lists and calls a service', async () => {
    expect(a.config.workspace).toBe(s.rpc.workspace);
    await a.registerService({ id: 'math', config: { visibility: 'protected' }, add: (x: number, y: number) => x + y });
    const list = await b.listServices();
    expect(list.map((x: { id: string }) => x.id)).toContain(`${s.rpc.workspace}/a:math`);
    const math = await b.getService('math');
    expect(await math.add(2, 3)).toBe(5);
    expect(await b.echo('hi')).toBe('hi');
  });
});
