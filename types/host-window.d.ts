// The host page's globals (host/main.ts sets them; tests read them through playwright), in both
// TypeScript projects: the browser one (the page) and the Node one (the tests).
import type { HostConfig, ManifestPlugin } from '../host/main.js';
import type { BridgeInfo } from '../host/rpc-bridge.js';

declare global {
  interface Window {
    imjoy: any;
    api: any;
    hostConfig: HostConfig;
    imjoyReady: Promise<void>;
    imjoyStarted?: boolean;
    imjoyError?: string;
    manifestPlugins: ManifestPlugin[];
    /** The Hypha connection (rpc-bridge.ts): undefined when no server is there (static hosting). */
    rpcReady: Promise<BridgeInfo | undefined>;
  }
}
