/**
 * The engine's RPC services, in one list: what `serve` registers on its embedded server and what
 * `imjoy-share engine` registers on an external Hypha server, so both offer the same.
 */
import type { DataDir } from './data-dir.js';
import type { ModelPool } from './models.js';
import { modelsService } from './models-service.js';
import type { ResourceCollection } from './resources.js';
import { resourcesService } from './resources-service.js';
import { zarrService } from './zarr-service.js';

export interface EngineContext {
  data: DataDir;
  collection?: ResourceCollection;
  models?: ModelPool;
}

export function engineServices(ctx: EngineContext): Record<string, unknown>[] {
  return [zarrService(ctx.data), ...(ctx.collection ? [resourcesService(ctx.collection)] : []), ...(ctx.models ? [modelsService(ctx.models)] : [])];
}
