import { chromium, type Browser, type Page } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../../src/server/app.js';
import type { Service } from '../../src/service.js';
import { repoRoot } from './paths.js';

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS });
}

export interface OpenHostOptions {
  /** Extra URL prefix → folder mounts on the host server, e.g. {'/data/': sharedData}. */
  mounts?: Record<string, string>;
  /** Query string for the host page, e.g. '?slides=scalable-data-sharing'. */
  query?: string;
  /** Generate demo data (slow the first time; cached in .cache/demo). */
  demo?: boolean;
  /** Local services to start (default: all registered ones, e.g. the S3 server). */
  services?: Service[];
  viewport?: { width: number; height: number };
}

export interface Host {
  app: RunningApp;
  browser: Browser;
  page: Page;
  /** Every URL the page and its frames requested. */
  requests: string[];
  /** Requests that went anywhere but 127.0.0.1 (must stay empty: the host works offline). */
  external(): string[];
  /** Console errors and page errors, for diagnosing failures. */
  errors: string[];
  close(): Promise<void>;
}

const isLocal = (u: string) => /^(data|blob|about):/.test(u) || /^https?:\/\/127\.0\.0\.1[:/]/.test(u);

/** Starts the app server and Debian chromium, opens the host page and waits until imjoy-core started. */
export async function openHost(opts: OpenHostOptions = {}): Promise<Host> {
  const app = await startApp({ root: repoRoot, port: 0, demo: opts.demo ?? false, mounts: opts.mounts, services: opts.services });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${app.url}/${opts.query ?? ''}`);
    await page.evaluate(async () => {
      try {
        await window.imjoyReady;
      } catch {
        throw new Error(window.imjoyError);
      }
    });
    // A deck is presented after imjoy-core starts; tests click its buttons, so wait for reveal.js too.
    if (/[?&]slides=/.test(opts.query ?? '')) {
      await page.waitForFunction(() => (window as any).slidesReady === true, null, { timeout: 30_000 });
    }
    const b = browser;
    return {
      app,
      browser: b,
      page,
      requests,
      errors,
      external: () => requests.filter((u) => !isLocal(u)),
      close: async () => {
        await b.close();
        await app.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await app.close();
    throw e;
  }
}

/** Rejects after `ms` with a message: ImJoy plugin loads can hang forever when something is missing. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms))),
  ]);
}

/** Decodes a `data:image/png;base64,…` string or bare base64 into bytes. */
export function pngBytes(b64: string): Buffer {
  return Buffer.from(b64.replace(/^data:image\/png;base64,/, ''), 'base64');
}

export function tmpDir(prefix = 'imjoy-share-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
