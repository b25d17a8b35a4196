import { connect } from '/work/main/test/rpc/helpers.ts';
const conn = JSON.parse(process.argv[2]);
let t = Date.now();
const c = await connect({ ...conn, method_timeout: 20 });
console.error('connect', Date.now() - t); t = Date.now();
await c.listServices(); console.error('list', Date.now() - t); t = Date.now();
try { await c.getService('imjoy-share-zarr'); } catch (e) { console.error('multi err', Date.now() - t); } t = Date.now();
await c.disconnect(); console.error('disc', Date.now() - t);
process.exit(0);
