declare module '*/build.mjs' {
  export function checkPluginConfig(config: any, where: string): void;
  export function fileNameOf(config: any): string;
  export function pluginHtml(config: any, parts: { script: string; window?: string; style?: string; docs?: string }): string;
  export function manifestOf(built: { config: any; uri: string }[]): any;
  export function productPluginDirs(): string[];
  export function readPluginConfig(dir: string): any;
}
declare module 'imjoy-core/src/pluginParser.js' {
  export function parseComponent(content: string, options?: unknown): any;
}
declare module 'imjoy-core/src/api.js' {
  export const CONFIG_SCHEMA: any;
}
