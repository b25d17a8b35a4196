import fs from 'node:fs';
import path from 'node:path';

/**
 * Demo data the slides use. Each generator writes into its own folder under the cache, once: a
 * `.done` marker records success, so later starts are instant and a failed start is retried.
 * Data is generated, never downloaded (the host must work offline).
 */
export interface DemoGenerator {
  name: string;
  generate(dir: string, log: (msg: string) => void): Promise<void>;
}

/** One line per generator; later features add theirs. */
export const demoGenerators: DemoGenerator[] = [
  { name: 'model', generate: async (dir, log) => (await import('./model.js')).generateDemoModel(dir, log) },
  { name: 'rdf', generate: async (dir, log) => (await import('./rdfs.js')).generateDemoRdfs(dir, log) },
  { name: 'viewer', generate: async (dir, log) => (await import('./viewer.js')).generateViewerDemo(dir, log) },
  { name: 'reference-zip', generate: async (dir, log) => (await import('./reference-zip.js')).generateReferenceZipDemo(dir, log) },
  { name: 'smlm', generate: async (dir, log) => (await import('./smlm.js')).generateSmlmDemo(dir, log) },
  { name: 'potree', generate: async (dir, log) => (await import('./potree.js')).generatePotreeDemo(dir, log) },
];

export async function ensureDemoData(cacheDir: string, log: (msg: string) => void = () => {}, generators = demoGenerators) {
  for (const g of generators) {
    const dir = path.join(cacheDir, g.name);
    const done = path.join(dir, '.done');
    if (fs.existsSync(done)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const t = Date.now();
    log(`demo: generating ${g.name} …`);
    await g.generate(dir, log);
    fs.writeFileSync(done, new Date().toISOString());
    log(`demo: ${g.name} ready in ${Date.now() - t} ms`);
  }
}
