/** src/codecs/lz4.wat compiled with wabt, as base64. */
export function compileLz4Wat(): Promise<string>;
export const header: string;
