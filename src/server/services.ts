import { s3Service } from './s3-service.js';

/**
 * Local services started next to the web server (e.g. an S3 server for the sharing demos). What a
 * service returns in `config` is published to pages at /host/config.json under its name.
 */
interface ServiceContext {
  /** The web server's base URL (http://127.0.0.1:PORT). */
  baseUrl: string;
  cacheDir: string;
  demoDir: string;
  log: (msg: string) => void;
}

export interface RunningService {
  config: Record<string, unknown>;
  stop(): Promise<void>;
}

export interface Service {
  name: string;
  start(ctx: ServiceContext): Promise<RunningService>;
}

/** One line per service; later features add theirs. */
export const services: Service[] = [s3Service, { name: 'viewer-demo', start: async (ctx) => (await import('../viewer/demo-node.js')).viewerDemoService.start(ctx) }];
