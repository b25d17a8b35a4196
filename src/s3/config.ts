/**
 * Where to share: endpoint, region, bucket and credentials from flags, else the standard AWS
 * environment variables, so AWS S3, MinIO or the local s3rver all work. Pure: reads the `env`
 * object it is given.
 */
export interface S3Config {
  /** Custom endpoint (MinIO, s3rver, …); undefined = AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Path-style URLs (http://host/bucket/key); needed by local servers without virtual hosts. */
  forcePathStyle: boolean;
}

export interface S3Flags {
  endpoint?: string;
  region?: string;
  bucket?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  pathStyle?: boolean;
}

export function s3Config(flags: S3Flags, env: Record<string, string | undefined> = {}): S3Config {
  const bucket = flags.bucket ?? env.IMJOY_SHARE_BUCKET;
  if (!bucket) throw new Error('no bucket: pass --bucket (or set IMJOY_SHARE_BUCKET)');
  const endpoint = flags.endpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  const accessKeyId = flags.accessKeyId ?? env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = flags.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY;
  if (!!accessKeyId !== !!secretAccessKey) throw new Error('give both an access key id and a secret access key (or neither, to use the default AWS credential chain)');
  return {
    endpoint,
    region: flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    bucket,
    accessKeyId,
    secretAccessKey,
    sessionToken: env.AWS_SESSION_TOKEN,
    forcePathStyle: flags.pathStyle ?? !!endpoint,
  };
}

/** SigV4 pre-signed URLs live at most 7 days. */
const MAX_EXPIRY_SECONDS = 7 * 24 * 3600;

/** '7d', '12h', '30m', '45s' or plain seconds → seconds; more than 7 days is an error. */
export function parseExpiry(text: string | number): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/i.exec(String(text));
  if (!m) throw new Error(`expiry "${text}" is not a duration like 7d, 12h, 30m or 3600`);
  const seconds = Math.round(Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2].toLowerCase() as '' | 's' | 'm' | 'h' | 'd']);
  if (seconds < 1) throw new Error(`expiry "${text}" must be at least 1 second`);
  if (seconds > MAX_EXPIRY_SECONDS) throw new Error(`expiry "${text}" is longer than 7 days, the most an S3 (SigV4) pre-signed URL allows`);
  return seconds;
}
