/**
 * Local services started next to the web server (e.g. an S3 server for the sharing demos), given
 * what they need through a context. What a service returns in `config` is published to pages at
 * /host/config.json under its name. A module of its own: the server starts services that live in
 * other folders (the demo's), which must not import the server for it.
 */
interface ServiceContext {
  /** The web server's base URL (http://127.0.0.1:PORT). */
  baseUrl: string;
  cacheDir: string;
  demoDir: string;
  /** The configs of the services started before this one, by name (the S3 endpoint for the demo). */
  config: Readonly<Record<string, unknown>>;
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
