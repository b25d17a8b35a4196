/**
 * Which remote origins the engine fetches from (RDFs, their files, images): an allowlist, so a
 * collection entry cannot make the server fetch from anywhere (an internal address, say).
 * Patterns: a host name (`zenodo.org`), a wildcard sub-domain (`*.zenodo.org`), or a full origin
 * with scheme and port (`http://127.0.0.1:9000`), which is how loopback is allowed (tests).
 */
const DEFAULT_ORIGINS = ['zenodo.org', '*.zenodo.org', 'github.com', 'raw.githubusercontent.com', 'objects.githubusercontent.com', 'uk1s3.embassy.ebi.ac.uk'];

export class OriginPolicy {
  private hosts = new Set<string>();
  private suffixes: string[] = [];
  private origins = new Set<string>();

  constructor(readonly patterns: string[]) {
    for (const raw of patterns) {
      const p = raw.trim().toLowerCase();
      if (!p) continue;
      if (/^https?:\/\//.test(p)) this.origins.add(new URL(p).origin);
      else if (p.startsWith('*.')) this.suffixes.push(p.slice(1));
      else this.hosts.add(p);
    }
  }

  /** The default list plus an S3 endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL) and `extra`. */
  static fromEnv(env: Record<string, string | undefined>, extra: string[] = []): OriginPolicy {
    const s3 = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
    return new OriginPolicy([...DEFAULT_ORIGINS, ...(s3 ? [s3] : []), ...(env.IMJOY_SHARE_ALLOW_ORIGINS ?? '').split(','), ...extra]);
  }

  allows(url: string): boolean {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return false;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return false;
    if (u.username || u.password) return false;
    if (this.origins.has(u.origin)) return true;
    // by host name: https only (a plain-http host must be listed as a full origin)
    if (u.protocol !== 'https:') return false;
    const host = u.hostname.toLowerCase();
    return this.hosts.has(host) || this.suffixes.some((s) => host.endsWith(s));
  }

  /** Throws a one-line error naming the URL when it is not allowed. */
  check(url: string): void {
    if (!this.allows(url)) throw new OriginRefused(url);
  }
}

export class OriginRefused extends Error {
  constructor(readonly url: string) {
    super(`${url.split('?')[0]}: origin not allowed (allowed: Zenodo, GitHub, the configured S3 endpoint; add more with --allow-origin)`);
  }
}

/** `fetch` that refuses disallowed origins, also after a redirect. */
export function guardedFetch(policy: OriginPolicy, base: typeof fetch = fetch): typeof fetch {
  const guarded = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    let url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    for (let hops = 0; hops < 5; hops++) {
      policy.check(url);
      const res = await base(url, { ...init, redirect: 'manual' });
      const loc = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !loc) return res;
      url = new URL(loc, url).href;
    }
    throw new Error(`${url.split('?')[0]}: too many redirects`);
  };
  return guarded as typeof fetch;
}
