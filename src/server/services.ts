import type { Service } from '../service.js';
import { s3Service } from './s3-service.js';

/** One line per service; later features add theirs. */
export const services: Service[] = [s3Service, { name: 'viewer-demo', start: async (ctx) => (await import('../demo/viewer.js')).viewerDemoService.start(ctx) }];
